import { CYRILLIC_TO_LATIN, LATIN_FOLDS } from '../domain/likely-duplicates.js';

// The blocking keys of likely duplicates (docs/likely-duplicates.md) as SQL, so indexes can hold them:
// the Latin skeleton of a name (the domain's transliteration table, spelled as nested replace() calls),
// an e-mail's local part without dots and +tags, a phone's last 7 digits.

const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** The body of `omnimerge_name_key(name)`: nameSkeleton() of src/domain/likely-duplicates.ts, less the removal of accents. */
export function nameKeySql(arg: string): string {
  let expr = `lower(${arg})`;
  for (const [from, to] of CYRILLIC_TO_LATIN) expr = `replace(${expr}, ${literal(from)}, ${literal(to)})`;
  expr = `btrim(regexp_replace(${expr}, '[[:punct:][:digit:][:space:]]+', ' ', 'g'))`;
  for (const [from, to] of LATIN_FOLDS) expr = `replace(${expr}, ${literal(from)}, ${literal(to)})`;
  return `regexp_replace(${expr}, '([[:alpha:]])\\1+', '\\1', 'g')`;
}

/** The body of `omnimerge_email_key(email)`: emailLocalKey() of the domain. */
export function emailKeySql(arg: string): string {
  return `replace(split_part(split_part(lower(${arg}), '@', 1), '+', 1), '.', '')`;
}
