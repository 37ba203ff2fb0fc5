// Text the service stores must be text PostgreSQL can hold: it refuses NUL (U+0000) in text and jsonb, and
// a lone UTF-16 surrogate is no character at all (it cannot be written as UTF-8).

const NUL = /\u0000/;
// a high surrogate not followed by a low one, or a low one not preceded by a high one
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const BAD_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** What makes a string unstorable ("a NUL character"), or null when it is fine. */
export function textProblem(text: string): string | null {
  if (NUL.test(text)) return 'a NUL character (U+0000)';
  if (LONE_SURROGATE.test(text)) return 'a lone UTF-16 surrogate (not a character)';
  return null;
}

export interface BadText {
  /** the field, as a caller names it: `name`, `variables.city`, `tags[2]` */
  field: string;
  /** "contains a NUL character (U+0000)", "has a key with a lone UTF-16 surrogate …" */
  problem: string;
}

function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

/** The first string or object key in `value` that cannot be stored, with where it is; null when all are fine. */
export function findBadText(value: unknown, path = ''): BadText | null {
  const stack: Array<{ value: unknown; path: string }> = [{ value, path }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item.value === 'string') {
      const problem = textProblem(item.value);
      if (problem) return { field: item.path || 'the body', problem: `contains ${problem}` };
    } else if (Array.isArray(item.value)) {
      item.value.forEach((child, i) => stack.push({ value: child, path: join(item.path, i) }));
    } else if (item.value !== null && typeof item.value === 'object') {
      for (const [key, child] of Object.entries(item.value)) {
        const problem = textProblem(key);
        if (problem) return { field: item.path || 'the body', problem: `has a key with ${problem}` };
        stack.push({ value: child, path: join(item.path, key) });
      }
    }
  }
  return null;
}

/** The string with each NUL and lone surrogate replaced by U+FFFD, the replacement character. */
export function replaceBadText(text: string): string {
  return text.replace(BAD_TEXT, '\uFFFD');
}

/** A copy of a parsed JSON value whose strings and keys hold only storable text (see replaceBadText). */
export function withStorableText<T>(value: T): T {
  if (typeof value === 'string') return replaceBadText(value) as T;
  if (Array.isArray(value)) return value.map((v) => withStorableText(v)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [replaceBadText(k), withStorableText(v)])) as T;
  }
  return value;
}
