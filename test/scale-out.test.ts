import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type RunningServer } from './helpers/process.js';
import { eventually, FAST_DELIVERY_ENV, startReceiver, type Receiver } from './helpers/receiver.js';
import { client, type Api } from './helpers/server.js';

// Several `omnimerge serve` processes on one PostgreSQL (docs/scaling.md), with the clients split across
// them: what one process does must hold when another does the same thing at the same moment. CI runs
// this file directly against PostgreSQL and again through PgBouncer in transaction pooling mode.

const databaseUrl = process.env.DATABASE_URL;
const SECRET = 'two-servers-one-receiver';

describe.skipIf(!databaseUrl)('two server processes on one PostgreSQL', () => {
  const apiKey = `key-${Math.random().toString(36).slice(2)}`;
  let servers: RunningServer[] = [];
  let apis: Api[] = [];
  let receiver: Receiver;
  /** the i-th request goes to one server or the other, as a round-robin load balancer would send it */
  const either = (i: number) => apis[i % 2];

  beforeAll(async () => {
    receiver = await startReceiver(() => SECRET);
    const env = { DATABASE_URL: databaseUrl, OMNIMERGE_API_KEY: apiKey, ...FAST_DELIVERY_ENV };
    servers = [await spawnServer(env, 60_000), await spawnServer(env, 60_000)];
    apis = servers.map((s) => client(s.url, apiKey));
    expect((await apis[0]('POST', '/v1/webhook-endpoints', { url: receiver.url, secret: SECRET })).status).toBe(201);
  }, 150_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop('SIGTERM')));
    await receiver?.close();
  });

  it('stores every inbound message once and keeps one contact per client, whichever server each message reaches', async () => {
    const bot = (await apis[0]('POST', '/v1/bots', { channel: 'telegram', handle: 'scale_bot' })).body;
    const clients = Array.from({ length: 24 }, (_, i) => `client-${i}`);
    // every message is sent twice at once, once to each server: the redelivery a messenger makes when an answer is late
    const sends = clients.flatMap((user) => Array.from({ length: 4 }, (_, m) => ({ user, id: `${user}-m${m}` })));
    const answers = await Promise.all(
      sends.flatMap(({ user, id }) => [0, 1].map((s) => apis[s]('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: user, message_id: id, text: id }))),
    );
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    expect(answers.filter((a) => a.body.duplicate === false)).toHaveLength(sends.length);

    const contactsOf = new Map<string, Set<string>>();
    answers.forEach((a, k) => {
      const { user } = sends[Math.floor(k / 2)];
      contactsOf.set(user, (contactsOf.get(user) ?? new Set()).add(a.body.contact_id));
    });
    for (const [i, user] of clients.entries()) {
      const contacts = [...contactsOf.get(user)!];
      expect(contacts, `${user} has one contact`).toHaveLength(1);
      const card = (await either(i + 1)('GET', `/v1/contacts/${contacts[0]}`)).body;
      expect(card.identities, `${user} has one identity`).toHaveLength(1);
      const conversations = (await either(i)('GET', `/v1/contacts/${contacts[0]}/conversations`)).body.items;
      expect(conversations).toHaveLength(1);
      const messages = (await either(i + 1)('GET', `/v1/conversations/${conversations[0].id}/messages?limit=100`)).body.items;
      expect(messages.map((m: { text: string }) => m.text).sort()).toEqual(sends.filter((s) => s.user === user).map((s) => s.id).sort());
    }
  });

  it('merges each contact once when the two servers merge overlapping pairs at the same moment', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 16; i++) ids.push((await either(i)('POST', '/v1/contacts', { name: `m${i}` })).body.id);
    // both servers are asked to merge each odd contact, one into its left neighbour and one into its right
    const tries = await Promise.all(
      ids.flatMap((from, i) => (i % 2 === 1 ? [apis[0]('POST', '/v1/contacts/merge', { from_contact_id: from, to_contact_id: ids[i - 1] }), apis[1]('POST', '/v1/contacts/merge', { from_contact_id: from, to_contact_id: ids[(i + 1) % ids.length] })] : [])),
    );
    expect(tries.filter((t) => t.status >= 500)).toEqual([]);
    const merged = tries.filter((t) => t.status === 200);
    expect(merged.length, 'one of the two merges of each odd contact wins').toBe(8);
    expect(tries.filter((t) => t.status !== 200).every((t) => t.status === 409)).toBe(true);
    for (const [i, id] of ids.entries()) {
      const card = (await either(i)('GET', `/v1/contacts/${id}`)).body;
      if (i % 2 === 1) {
        expect(card.state).toBe('merged');
        expect([ids[i - 1], ids[(i + 1) % ids.length]]).toContain(card.merged_into);
      } else expect(card.state).toBe('active');
    }
  });

  it('completes a merge link once when its token reaches both servers at the same moment', async () => {
    const bot = (await apis[1]('POST', '/v1/bots', { channel: 'telegram', handle: 'scale_link_bot' })).body;
    for (let i = 0; i < 8; i++) {
      const contact = (await either(i)('POST', '/v1/contacts', { name: `linked ${i}`, phone: `+1415555${String(1000 + i)}` })).body;
      const link = (await either(i + 1)('POST', `/v1/contacts/${contact.id}/merge-link`, { channel: 'telegram', bot_id: bot.id })).body;
      // two strangers and the invited client race the same token through both servers
      const arrivals = await Promise.all(
        [`ann-${i}`, `eve-${i}`].flatMap((user) => [0, 1].map((s) => apis[s]('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: user, payload: link.token }))),
      );
      expect(arrivals.filter((a) => a.status !== 200)).toEqual([]);
      const card = (await either(i)('GET', `/v1/contacts/${contact.id}`)).body;
      expect(card.identities, 'exactly one client joined the contact').toHaveLength(1);
      const completed = arrivals.filter((a) => a.body.linked?.status === 'completed');
      expect(completed, 'the link was completed by one arrival').toHaveLength(1);
      const history = (await either(i + 1)('GET', `/v1/contacts/${contact.id}/history`)).body.items;
      expect(history.filter((h: { kind: string }) => h.kind === 'link')).toHaveLength(1);
    }
  });

  it('delivers every event to the webhook endpoint once, although both servers run delivery', async () => {
    const published = new Set<string>();
    let after = '0';
    for (;;) {
      const page = (await apis[0]('GET', `/v1/events?after=${after}&limit=500`)).body.items as { id: string }[];
      if (page.length === 0) break;
      page.forEach((e) => published.add(e.id));
      after = page[page.length - 1].id;
    }
    expect(published.size).toBeGreaterThan(40);
    await eventually('every event is acknowledged', () => new Set(receiver.acknowledged().map((e) => e.id)).size >= published.size, 60_000);
    const acknowledged = receiver.acknowledged().map((e) => e.id);
    expect(new Set(acknowledged)).toEqual(published);
    expect(acknowledged.length, 'no event acknowledged twice').toBe(published.size);
    expect(receiver.overlaps).toBe(0);
  });
});
