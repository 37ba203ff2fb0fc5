import { createHash } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import { DomainError } from '../domain/errors.js';
import type { Db, Tx } from './database.js';

// The expression indexes of the variables merge rules read (docs/rules.md): made with the first rule that
// reads a variable, dropped with the last.

// ---- variable indexes -------------------------------------------------------------------------------

/** A variable's value as rules compare it. */
export function variableValue(alias: string, name: string): RawBuilder<string | null> {
  return sql`nullif(btrim(${sql.raw(alias)}.variables ->> ${sql.lit(name)}), '')`;
}

/**
 * What a variable's index holds: the md5 of its value, not the value, whose length no one bounds (a
 * btree entry over about 2.7 kB is refused, which would refuse the contact in every project). Lookups
 * compare the hash through the index and then the value itself.
 */
export function variableKey(alias: string, name: string): RawBuilder<string | null> {
  return sql`md5(${variableValue(alias, name)})`;
}

function variableIndexName(name: string): string {
  return `contacts_by_variable_${createHash('sha1').update(name).digest('hex').slice(0, 16)}`;
}

/**
 * Makes the expression index of every variable some rule reads (of any project: indexes are shared, their
 * first column is project_id) and drops those of variables no rule reads any more, so contacts pay for
 * no index that no rule uses. Serialized across processes by an advisory lock held to the commit; the
 * index is built inside the rule's transaction, holding writes to contacts meanwhile (about a second
 * per million contacts).
 */
export async function syncVariableIndexes(db: Db | Tx): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended('omnimerge:variable-indexes', 0))`.execute(db);
  // an index waits for every open transaction on contacts, and while it waits every other project's
  // writes queue behind it: wait a few seconds at most, then give up (see below)
  await sql`SET LOCAL lock_timeout = '5s'`.execute(db);
  const { rows: wanted } = await sql<{ name: string }>`
    SELECT DISTINCT substr(f, length('variables.') + 1) AS name FROM merge_rules, unnest(fields) f WHERE f LIKE 'variables.%'
  `.execute(db);
  const { rows: present } = await sql<{ indexname: string }>`
    SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'contacts' AND indexname LIKE 'contacts_by_variable_%'
  `.execute(db);
  const want = new Map(wanted.map((w) => [variableIndexName(w.name), w.name]));
  const have = new Set(present.map((p) => p.indexname));
  for (const [index, name] of want) {
    if (have.has(index)) continue;
    try {
      await sql`
        CREATE INDEX ${sql.id(index)} ON contacts (project_id, ${variableKey('contacts', name)})
        WHERE state = 'active' AND variables ? ${sql.lit(name)}
      `.execute(db);
    } catch (err) {
      if ((err as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw err;
      throw new DomainError('contacts_busy', `a long transaction on contacts kept the index of variables.${name} from being built; try again in a moment`);
    }
  }
  // an index no rule reads is dropped when that takes no wait; otherwise it stays until a later change of rules
  for (const index of have) {
    if (want.has(index)) continue;
    await sql`SAVEPOINT drop_variable_index`.execute(db);
    try {
      await sql`SET LOCAL lock_timeout = '200ms'`.execute(db);
      await sql`DROP INDEX ${sql.id(index)}`.execute(db);
      await sql`RELEASE SAVEPOINT drop_variable_index`.execute(db);
    } catch (err) {
      if ((err as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw err;
      await sql`ROLLBACK TO SAVEPOINT drop_variable_index`.execute(db);
    }
  }
}

const LOCK_NOT_AVAILABLE = '55P03';
