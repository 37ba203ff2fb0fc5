import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { all, expectOk, personWriting } from './helpers/contacts.js';
import { connectBot, startServer, type Api, type TestServer } from './helpers/server.js';

// docs/merging.md: concurrent merges touching the same contacts neither deadlock nor lose rows. These matter on
// PostgreSQL (DATABASE_URL), where transactions really overlap; on PGlite everything serializes.

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const mergeAnswer = (api: Api, from: string, to: string) => api('POST', '/v1/contacts/merge', { from_contact_id: from, to_contact_id: to });

/** The project's messages, and those that sit in a merged contact's conversation (there must be none). */
async function messageCensus(projectId: string) {
  const { rows } = await sql<{ total: number; stranded: number }>`
    SELECT count(*)::int AS total, count(*) FILTER (WHERE c.state <> 'active')::int AS stranded
    FROM messages m
    JOIN conversations v ON v.project_id = m.project_id AND v.id = m.conversation_id
    JOIN contacts c ON c.project_id = v.project_id AND c.id = v.contact_id
    WHERE m.project_id = ${projectId}
  `.execute(server.store.db);
  return rows[0];
}

/** Merged contacts whose card does not name an active contact as where they went (a chain not resolved). */
async function unresolvedMerged(api: Api, projectId: string): Promise<string[]> {
  const merged = await server.store.db.selectFrom('contacts').select('id').where('project_id', '=', projectId).where('state', '=', 'merged').execute();
  const unresolved: string[] = [];
  for (const { id } of merged) {
    const card = await expectOk(api('GET', `/v1/contacts/${id}`));
    const survivor = await expectOk(api('GET', `/v1/contacts/${card.merged_into}`));
    if (survivor.state !== 'active') unresolved.push(id);
  }
  return unresolved;
}

/** A deterministic sequence of pairs, so a failure can be replayed. */
function* pairs(n: number, seed: number): Generator<[number, number]> {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31);
  for (;;) {
    const a = next() % n;
    const b = next() % n;
    if (a !== b) yield [a, b];
  }
}

describe('concurrent merges', () => {
  it('leaves exactly one survivor and every message when A→B and B→A run at once', async () => {
    const { api, projectId } = await server.project();
    const bot = await connectBot(api);
    for (let round = 0; round < 8; round++) {
      const a = await personWriting(api, bot.id, `a${round}`, 3);
      const b = await personWriting(api, bot.id, `b${round}`, 2);
      const answers = await Promise.all([mergeAnswer(api, a.contact_id, b.contact_id), mergeAnswer(api, b.contact_id, a.contact_id)]);
      expect(answers.map((x) => x.status).sort()).toEqual([200, 409]);
      expect(answers.find((x) => x.status === 409)!.body.error.code).toBe('contact_already_merged');
      const survivors = (await all(api, '/v1/contacts')).filter((c) => [a.contact_id, b.contact_id].includes(c.id));
      expect(survivors).toHaveLength(1);
      expect(survivors[0].id).toBe(answers.find((x) => x.status === 200)!.body.contact.id);
    }
    expect(await messageCensus(projectId)).toEqual({ total: 40, stranded: 0 });
  });

  it('resolves a chain A→B, B→C run at once to C, in whichever order they land', async () => {
    const { api, projectId } = await server.project();
    for (let round = 0; round < 6; round++) {
      const [a, b, c] = await Promise.all(['a', 'b', 'c'].map(async (name) => (await expectOk(api('POST', '/v1/contacts', { name }))).id));
      const answers = await Promise.all([mergeAnswer(api, a, b), mergeAnswer(api, b, c)]);
      expect(answers.map((x) => x.status)).toEqual(answers[1].status === 200 && answers[0].status === 409 ? [409, 200] : [200, 200]);
      if (answers[0].status === 200) expect(await expectOk(api('GET', `/v1/contacts/${a}`))).toMatchObject({ merged_into: c });
    }
    expect(await unresolvedMerged(api, projectId)).toEqual([]);
  });

  it('never fails with a deadlock nor loses a message in fifty parallel merges over six contacts', async () => {
    const { api, projectId } = await server.project();
    const telegram = await connectBot(api, 'telegram', 'tg');
    const viber = await connectBot(api, 'viber', 'vb');
    const contacts: string[] = [];
    for (let i = 0; i < 6; i++) {
      const person = await personWriting(api, telegram.id, `p${i}`, 3);
      await personWriting(api, viber.id, `p${i}`, 2).then((v) => expectOk(api('POST', '/v1/contacts/merge', { from_contact_id: v.contact_id, to_contact_id: person.contact_id })));
      contacts.push(person.contact_id);
    }
    const census = await messageCensus(projectId);
    const picks = pairs(contacts.length, 42);
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => {
        const [a, b] = picks.next().value as [number, number];
        return mergeAnswer(api, contacts[a], contacts[b]);
      }),
    );
    const outcomes = answers.map((x) => (x.status === 200 ? 'merged' : x.body.error?.code));
    expect(outcomes.filter((o) => o !== 'merged' && o !== 'contact_already_merged')).toEqual([]);
    const merged = outcomes.filter((o) => o === 'merged').length;
    expect(merged).toBeGreaterThan(0);
    expect((await all(api, '/v1/contacts')).length).toBe(6 - merged);
    expect(await messageCensus(projectId)).toEqual({ total: census.total, stranded: 0 });
    expect(await unresolvedMerged(api, projectId)).toEqual([]);
  });

  it('stores every inbound message in the survivor when messages race a merge, none in the merged contact', async () => {
    const { api, projectId } = await server.project();
    const bot = await connectBot(api);
    for (let round = 0; round < 3; round++) {
      const a = await personWriting(api, bot.id, `a${round}`);
      const b = await personWriting(api, bot.id, `b${round}`);
      const inbound = Array.from({ length: 30 }, (_, i) =>
        api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: `${i % 2 ? 'a' : 'b'}${round}`, text: `race ${i}`, message_id: `r${round}-${i}` }),
      );
      const [merge, ...stored] = await Promise.all([mergeAnswer(api, a.contact_id, b.contact_id), ...inbound]);
      expect(merge.status).toBe(200);
      expect(stored.map((s) => s.status)).toEqual(Array(30).fill(200));
      const messages = await all(api, `/v1/conversations/${b.conversation_id}/messages`);
      expect(messages).toHaveLength(32);
    }
    expect(await messageCensus(projectId)).toEqual({ total: 96, stranded: 0 });
  });
});
