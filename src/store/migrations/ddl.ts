import { sql, type Kysely } from 'kysely';

/**
 * Runs a block of DDL one statement at a time: PGlite's extended protocol takes one statement per
 * query. Statements are split where a line ends with `;`, so keep function bodies off line ends.
 */
export async function runDdl(db: Kysely<unknown>, ddl: string): Promise<void> {
  const statements = ddl
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const statement of statements) await sql.raw(statement).execute(db);
}
