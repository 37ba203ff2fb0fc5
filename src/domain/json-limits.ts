// Free JSON fields (variables, preferences, event and reference data) hold whatever a caller sends; these
// limits keep one such field from hurting the database or the process: PostgreSQL's jsonb and the
// embedded PGlite both recurse over nesting, and JSON.stringify overflows the stack on deep values.

/** What one free JSON field may hold (documented in docs/api-limits.md). */
export const JSON_LIMITS = {
  /** levels of objects and arrays inside the field */
  depth: 32,
  /** object keys, counted over every level */
  keys: 1000,
  /** the field's size written as JSON, in UTF-8 bytes */
  bytes: 64 * 1024,
} as const;

/** No request body of any route may nest deeper than this; checked on the raw text before it is parsed. */
export const BODY_MAX_DEPTH = 64;

export type JsonLimits = { readonly depth: number; readonly keys: number; readonly bytes: number };

/**
 * What is wrong with a free JSON value, in words that follow its field name ("nests deeper than 32
 * levels"); null when it is within the limits. Walks without recursion, so any depth is safe to check.
 */
export function jsonShapeProblem(value: unknown, limits: JsonLimits = JSON_LIMITS): string | null {
  let keys = 0;
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: item, depth } = stack.pop()!;
    if (typeof item === 'number' && !Number.isFinite(item)) return 'holds a number JSON cannot carry (too large, or not a number)';
    if (item === null || typeof item !== 'object') continue;
    if (depth + 1 > limits.depth) return `nests deeper than ${limits.depth} levels`;
    const children = Array.isArray(item) ? item : Object.values(item);
    if (!Array.isArray(item)) {
      keys += children.length;
      if (keys > limits.keys) return `has more than ${limits.keys} keys`;
    }
    for (const child of children) stack.push({ value: child, depth: depth + 1 });
  }
  if (!Number.isFinite(limits.bytes)) return null;
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? '');
  if (bytes > limits.bytes) return `is larger than ${limits.bytes} bytes as JSON (${bytes})`;
  return null;
}

/**
 * How deep the JSON text nests objects and arrays, counting no further than `stopAbove` + 1: a scan of the
 * characters outside strings, so absurd nesting is refused before JSON.parse recurses into it.
 */
export function jsonTextDepth(text: string, stopAbove = Infinity): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > stopAbove) return deepest;
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}

/**
 * Where a parsed JSON value holds a number JSON cannot carry (`1e999999` parses to Infinity, which would
 * be stored as null): the field's path, `the body` for the value itself; null when every number is finite.
 */
export function findNonFiniteNumber(value: unknown, path = ''): string | null {
  const stack: Array<{ value: unknown; path: string }> = [{ value, path }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item.value === 'number' && !Number.isFinite(item.value)) return item.path || 'the body';
    if (Array.isArray(item.value)) item.value.forEach((child, i) => stack.push({ value: child, path: `${item.path}[${i}]` }));
    else if (item.value !== null && typeof item.value === 'object') {
      for (const [key, child] of Object.entries(item.value)) stack.push({ value: child, path: item.path === '' ? key : `${item.path}.${key}` });
    }
  }
  return null;
}
