import { sql, type RawBuilder } from 'kysely';

/** A value for a jsonb column, sent as text so pg and PGlite treat it alike. */
export function jsonb(value: unknown): RawBuilder<string> {
  return sql<string>`${JSON.stringify(value)}::jsonb`;
}
