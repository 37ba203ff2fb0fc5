import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/store/database.js';

// The embedded database's driver keeps each statement prepared (src/store/pglite-driver.ts): a statement
// must answer the same whether it is prepared now, reused, closed to make room, or its table changed shape.

describe('embedded statement cache', () => {
  let store: Store | null = null;
  afterEach(async () => {
    await store?.close();
    store = null;
  });

  it('answers a reused statement with its new parameters, also after hundreds of others pushed it out', async () => {
    store = await openStore({ dataDir: 'memory://' });
    const echo = (n: number) => sql<{ n: number; text: string }>`SELECT ${n}::int AS n, ${`value ${n}`}::text AS text`.execute(store!.db);
    expect((await echo(1)).rows).toEqual([{ n: 1, text: 'value 1' }]);
    expect((await echo(2)).rows).toEqual([{ n: 2, text: 'value 2' }]);
    for (let i = 0; i < 250; i++) {
      const { rows } = await sql<{ n: number }>`SELECT ${i}::int + ${sql.raw(String(i))} AS n`.execute(store.db);
      expect(rows[0].n).toBe(2 * i);
    }
    expect((await echo(3)).rows).toEqual([{ n: 3, text: 'value 3' }]);
  });

  it('reads a table whose columns changed after the statement was first prepared', async () => {
    store = await openStore({ dataDir: 'memory://' });
    await sql`CREATE TABLE notes (id int PRIMARY KEY)`.execute(store.db);
    await sql`INSERT INTO notes VALUES (${1})`.execute(store.db);
    const all = () => sql<Record<string, unknown>>`SELECT * FROM notes WHERE id = ${1}`.execute(store!.db);
    expect((await all()).rows).toEqual([{ id: 1 }]);
    await sql`ALTER TABLE notes ADD COLUMN body text DEFAULT 'hi'`.execute(store.db);
    expect((await all()).rows).toEqual([{ id: 1, body: 'hi' }]);
  });

  it('rolls back a transaction whose statement failed, and the next one runs', async () => {
    store = await openStore({ dataDir: 'memory://' });
    await sql`CREATE TABLE counts (id int PRIMARY KEY)`.execute(store.db);
    const insert = (id: number) => sql`INSERT INTO counts VALUES (${id})`;
    await expect(
      store.transaction(async (tx) => {
        await insert(1).execute(tx);
        await insert(1).execute(tx);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    await store.transaction(async (tx) => insert(2).execute(tx));
    expect((await sql<{ id: number }>`SELECT id FROM counts`.execute(store.db)).rows).toEqual([{ id: 2 }]);
  });
});
