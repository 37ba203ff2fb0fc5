import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_TABLES } from '../src/store/distribution.js';
import { openStore, type Store } from '../src/store/database.js';

// The schema stays distributable by project (docs/scaling.md): every table but a short list of reference
// tables carries project_id, and every key that can decide where a row lives includes it. This reads the
// catalog of a freshly migrated database — PGlite or PostgreSQL, both are PostgreSQL — so a migration that
// breaks co-location fails here, whoever writes it.

let store: Store;
beforeAll(async () => {
  store = await openStore({ databaseUrl: process.env.DATABASE_URL, migrationDatabaseUrl: process.env.OMNIMERGE_MIGRATION_DATABASE_URL, dataDir: 'memory://' });
});
afterAll(() => store.close());

const MIGRATOR_TABLES = ['kysely_migration', 'kysely_migration_lock'];

async function tables(): Promise<{ name: string; columns: string[] }[]> {
  const { rows } = await sql<{ name: string; columns: string[] }>`
    select c.relname as name, array_agg(a.attname::text order by a.attnum) as columns
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
    where n.nspname = current_schema() and c.relkind in ('r', 'p')
    group by c.relname`.execute(store.db);
  return rows.filter((t) => !MIGRATOR_TABLES.includes(t.name));
}

/** Unique indexes (primary keys and unique constraints included) with their key columns in order. */
async function uniqueKeys(): Promise<{ table: string; index: string; primary: boolean; columns: (string | null)[] }[]> {
  const { rows } = await sql<{ table: string; index: string; primary: boolean; columns: (string | null)[] }>`
    select t.relname as table, i.relname as index, x.indisprimary as primary,
           array(select a.attname::text from unnest(x.indkey::int2[]) with ordinality k(attnum, pos)
                 left join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum order by k.pos) as columns
    from pg_index x
    join pg_class t on t.oid = x.indrelid
    join pg_class i on i.oid = x.indexrelid
    join pg_namespace n on n.oid = t.relnamespace
    where n.nspname = current_schema() and x.indisunique`.execute(store.db);
  return rows.filter((r) => !MIGRATOR_TABLES.includes(r.table));
}

async function foreignKeys(): Promise<{ table: string; name: string; columns: string[]; target: string; targetColumns: string[] }[]> {
  const { rows } = await sql<{ table: string; name: string; columns: string[]; target: string; targetColumns: string[] }>`
    select t.relname as table, c.conname as name, r.relname as target,
           array(select a.attname::text from unnest(c.conkey) with ordinality k(attnum, pos)
                 join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum order by k.pos) as columns,
           array(select a.attname::text from unnest(c.confkey) with ordinality k(attnum, pos)
                 join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.attnum order by k.pos) as "targetColumns"
    from pg_constraint c
    join pg_class t on t.oid = c.conrelid
    join pg_class r on r.oid = c.confrelid
    join pg_namespace n on n.oid = t.relnamespace
    where n.nspname = current_schema() and c.contype = 'f'`.execute(store.db);
  return rows;
}

const distributed = (table: string) => !REFERENCE_TABLES.includes(table);

describe('a schema that can be distributed by project', () => {
  it('gives every table but the documented reference tables a project_id column', async () => {
    const missing = (await tables()).filter((t) => distributed(t.name) && !t.columns.includes('project_id')).map((t) => t.name);
    expect(missing, 'tables without project_id (add it, or list the table in REFERENCE_TABLES with a reason)').toEqual([]);
  });

  it('starts every primary key of a project table with project_id', async () => {
    const keys = await uniqueKeys();
    const withoutPrimary = (await tables()).filter((t) => distributed(t.name) && !keys.some((k) => k.table === t.name && k.primary)).map((t) => t.name);
    expect(withoutPrimary, 'project tables without a primary key').toEqual([]);
    const wrong = keys.filter((k) => distributed(k.table) && k.primary && k.columns[0] !== 'project_id').map((k) => `${k.table} (${k.columns.join(', ')})`);
    expect(wrong, 'primary keys that do not start with project_id').toEqual([]);
  });

  it('includes project_id in every unique index of a project table, so uniqueness holds within one shard', async () => {
    const wrong = (await uniqueKeys())
      .filter((k) => distributed(k.table) && !k.columns.includes('project_id'))
      .map((k) => `${k.index} on ${k.table} (${k.columns.map((c) => c ?? '<expression>').join(', ')})`);
    expect(wrong, 'unique indexes without project_id').toEqual([]);
  });

  it('joins project tables by foreign keys that carry project_id on both sides, in the same position', async () => {
    const wrong = (await foreignKeys())
      .filter((f) => distributed(f.table) && distributed(f.target))
      .filter((f) => {
        const at = f.columns.indexOf('project_id');
        return at < 0 || f.targetColumns[at] !== 'project_id';
      })
      .map((f) => `${f.name}: ${f.table} (${f.columns.join(', ')}) → ${f.target} (${f.targetColumns.join(', ')})`);
    expect(wrong, 'foreign keys between project tables that leave project_id out').toEqual([]);
  });

  it('never points a reference table at a project table (a replicated row cannot depend on one shard)', async () => {
    const wrong = (await foreignKeys()).filter((f) => !distributed(f.table) && distributed(f.target)).map((f) => `${f.name}: ${f.table} → ${f.target}`);
    expect(wrong).toEqual([]);
  });

  it('keeps the reference-table list short and true: each one exists', async () => {
    const names = (await tables()).map((t) => t.name);
    for (const table of REFERENCE_TABLES) expect(names, `${table} is listed as a reference table but does not exist`).toContain(table);
    expect(REFERENCE_TABLES.length).toBeLessThanOrEqual(4);
  });

  it('names every table in the Citus calls of docs/scaling.md, reference tables as reference tables', async () => {
    const doc = readFileSync(new URL('../docs/scaling.md', import.meta.url), 'utf8');
    const reference = [...doc.matchAll(/create_reference_table\('(\w+)'\)/g)].map((m) => m[1]).sort();
    const distributedInDoc = [...doc.matchAll(/create_distributed_table\('(\w+)', 'project_id'/g)].map((m) => m[1]).sort();
    const names = (await tables()).map((t) => t.name);
    expect(reference).toEqual([...REFERENCE_TABLES].sort());
    expect(distributedInDoc).toEqual(names.filter(distributed).sort());
  });
});
