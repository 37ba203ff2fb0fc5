import { CYRILLIC_TO_LATIN, LATIN_FOLDS } from '../domain/likely-duplicates.js';

// The blocking keys of likely duplicates (docs/likely-duplicates.md) as SQL, so indexes can hold them:
// the Latin skeleton of a name (the domain's transliteration table, spelled as nested replace() calls),
// an e-mail's local part without dots and +tags, a phone's last 7 digits.

const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** The body of `omnimerge_name_key(name)`: nameSkeleton() of src/domain/likely-duplicates.ts, less the removal of accents. */
export function nameKeySql(arg: string): string {
  let expr = substitute(`lower(${arg})`, CYRILLIC_TO_LATIN);
  expr = `btrim(regexp_replace(${expr}, '[[:punct:][:digit:][:space:]]+', ' ', 'g'))`;
  expr = substitute(expr, LATIN_FOLDS);
  return `regexp_replace(${expr}, '([[:alpha:]])\\1+', '\\1', 'g')`;
}

/**
 * The table's substitutions in order, as SQL: one replace() per longer one, one translate() per run of
 * single letters (a letter to a letter, or to nothing) — fewer calls, the same result, since no
 * substituted letter is also the source of another.
 */
function substitute(expr: string, table: ReadonlyArray<readonly [string, string]>): string {
  let single: Array<readonly [string, string]> = [];
  const flush = () => {
    if (single.length === 0) return;
    const to = single.filter(([, t]) => t !== '');
    const gone = single.filter(([, t]) => t === '');
    expr = `translate(${expr}, ${literal([...to, ...gone].map(([f]) => f).join(''))}, ${literal(to.map(([, t]) => t).join(''))})`;
    single = [];
  };
  for (const [from, to] of table) {
    if (from.length === 1 && to.length <= 1) single.push([from, to]);
    else {
      flush();
      expr = `replace(${expr}, ${literal(from)}, ${literal(to)})`;
    }
  }
  flush();
  return expr;
}

/** The body of `omnimerge_email_key(email)`: emailLocalKey() of the domain. */
export function emailKeySql(arg: string): string {
  return `replace(split_part(split_part(lower(${arg}), '@', 1), '+', 1), '.', '')`;
}
