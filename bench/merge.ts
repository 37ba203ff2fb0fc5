// `npm run bench -- merge`: docs/merging.md at size. Merges a contact with 10,000 messages over 20 conversations
// into one with 5,000 on the same 20 bots (every conversation joins), on PostgreSQL, and compares it with
// a floor measured in the same run: the same rows moved by the bare UPDATEs, with no policy, journal,
// history or checks. Each run merges its own freshly seeded pair.
import { sql } from 'kysely';
import { newId } from '../src/ids.js';
import { openStore, type Store } from '../src/store/database.js';
import { createProject } from '../src/usecases/create-project.js';
import { mergeContacts } from '../src/usecases/merge-contacts.js';
import { freshDatabase } from './lib/database.js';
import type { Bench } from './run.js';

const BOTS = 20;
const FROM_MESSAGES_PER_CONVERSATION = 500; // 10,000 in all
const TO_MESSAGES_PER_CONVERSATION = 250; // 5,000 in all
const RUNS = 5;

interface Pair {
  from: string;
  to: string;
}

/** Two contacts with an identity and a conversation on every bot, messages made by generate_series. */
async function seedPair(store: Store, projectId: string): Promise<Pair> {
  const pair = { from: newId(), to: newId() };
  const p = projectId;
  await store.transaction(async (tx) => {
    await sql`INSERT INTO contacts (project_id, id, name, phone) VALUES (${p}, ${pair.from}, 'from', '+79001110000'), (${p}, ${pair.to}, 'to', '+79002220000')`.execute(tx);
    await sql`
      INSERT INTO identities (project_id, id, contact_id, bot_id, external_user_id)
      SELECT ${p}, gen_random_uuid(), c.id, b.id, c.id || '-' || b.id
      FROM contacts c CROSS JOIN bots b WHERE c.project_id = ${p} AND c.id IN (${pair.from}, ${pair.to}) AND b.project_id = ${p}
    `.execute(tx);
    await sql`
      INSERT INTO conversations (project_id, id, contact_id, bot_id, channel, last_message_at)
      SELECT ${p}, gen_random_uuid(), i.contact_id, i.bot_id, 'telegram', now() FROM identities i
      WHERE i.project_id = ${p} AND i.contact_id IN (${pair.from}, ${pair.to})
    `.execute(tx);
    await sql`
      INSERT INTO messages (project_id, id, conversation_id, identity_id, direction, text)
      SELECT ${p}, gen_random_uuid(), v.id, i.id, 'in', 'message ' || g
      FROM conversations v
      JOIN identities i ON i.project_id = v.project_id AND i.contact_id = v.contact_id AND i.bot_id = v.bot_id
      CROSS JOIN LATERAL generate_series(1, CASE WHEN v.contact_id = ${pair.from} THEN ${FROM_MESSAGES_PER_CONVERSATION}::int ELSE ${TO_MESSAGES_PER_CONVERSATION}::int END) g
      WHERE v.project_id = ${p} AND v.contact_id IN (${pair.from}, ${pair.to})
    `.execute(tx);
  });
  return pair;
}

/** The floor: the same messages, identities and conversations moved by three bare UPDATEs in one transaction. */
async function bareMove(store: Store, projectId: string, { from, to }: Pair): Promise<void> {
  await store.transaction(async (tx) => {
    await sql`
      UPDATE messages m SET conversation_id = t.id
      FROM conversations f JOIN conversations t ON t.project_id = f.project_id AND t.bot_id = f.bot_id AND t.contact_id = ${to}
      WHERE f.project_id = ${projectId} AND f.contact_id = ${from} AND m.project_id = f.project_id AND m.conversation_id = f.id
    `.execute(tx);
    await sql`UPDATE identities SET contact_id = ${to} WHERE project_id = ${projectId} AND contact_id = ${from}`.execute(tx);
    await sql`DELETE FROM conversations WHERE project_id = ${projectId} AND contact_id = ${from}`.execute(tx);
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed(work: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export const mergeBench: Bench = {
  name: 'merge',
  run: async (adminUrl) => {
    const database = await freshDatabase(adminUrl, 'omnimerge_bench_merge');
    let statements = 0;
    const store = await openStore({ databaseUrl: database.url, onQuery: () => statements++ });
    try {
      const { project_id: projectId } = await createProject(store, 'bench');
      await sql`
        INSERT INTO bots (project_id, id, channel, handle) SELECT ${projectId}, gen_random_uuid(), 'telegram', 'bot_' || g FROM generate_series(1, ${BOTS}::int) g
      `.execute(store.db);

      const engine: number[] = [];
      const floor: number[] = [];
      let perMerge = 0;
      let moved = 0;
      for (let run = 0; run < RUNS; run++) {
        const ours = await seedPair(store, projectId);
        const bare = await seedPair(store, projectId);
        await sql`ANALYZE`.execute(store.db);
        const before = statements;
        engine.push(
          await timed(async () => {
            const result = await store.transaction((tx) => mergeContacts(tx, projectId, { fromId: ours.from, toId: ours.to, reason: 'api', actor: 'bench' }));
            moved = result.moved.messages;
          }),
        );
        perMerge = statements - before;
        floor.push(await timed(() => bareMove(store, projectId, bare)));
      }
      const e = median(engine);
      const f = median(floor);
      console.log(`merge of ${moved} messages over ${BOTS} conversations into a contact with ${BOTS * TO_MESSAGES_PER_CONVERSATION} (median of ${RUNS}):`);
      console.log(`  omnimerge   ${e.toFixed(1)} ms, ${perMerge} statements (BEGIN/COMMIT included)`);
      console.log(`  floor       ${f.toFixed(1)} ms, 5 statements (3 bare UPDATE/DELETE)`);
      console.log(`  ratio       ${(e / f).toFixed(2)}× the floor; target under 500 ms: ${e < 500 ? 'met' : 'MISSED'}`);
    } finally {
      await store.close();
      await database.drop();
    }
  },
};
