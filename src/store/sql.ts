import { sql, type RawBuilder } from 'kysely';

// The SQL helpers of the store: values sent as one parameter, read the same way by pg and PGlite.

/** A value for a jsonb column, sent as text so pg and PGlite treat it alike. */
export function jsonb(value: unknown): RawBuilder<string> {
  return sql<string>`${JSON.stringify(value)}::jsonb`;
}

/** A list of uuids as one parameter, read the same way by pg and PGlite. */
export function uuidArray(ids: readonly string[]): RawBuilder<string[]> {
  return sql<string[]>`ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)::uuid)`;
}

/** A list of texts as one parameter. */
export function textArray(values: readonly string[]): RawBuilder<string[]> {
  return sql<string[]>`ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;
}

/** Rows as one parameter: `FROM ${recordset(rows, 'x(id uuid, at text)')}`. */
export function recordset(rows: readonly object[], shape: string): RawBuilder<unknown> {
  return sql`jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS ${sql.raw(shape)}`;
}
