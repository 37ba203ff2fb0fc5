import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDelivery, DEFAULT_DELIVERY } from '../src/events/delivery.js';
import { maxAttempts } from '../src/events/retry.js';
import { signDelivery } from '../src/events/signature.js';
import { verifyOmnimergeWebhook } from '../docs/webhook-receiver.js';
import { enqueueEvents } from '../src/store/outbox.js';
import { eventually, FAST_DELIVERY as FAST, inOrderPerContact, startReceiver, type Receiver } from './helpers/receiver.js';
import { startServer, type Api, type TestServer } from './helpers/server.js';

// Webhook endpoints, signed deliveries, retries, order per contact and polling (docs/api.md, docs/events.md),
// against a real HTTP receiver on 127.0.0.1.

const SECRET = 'a-secret-the-receiver-knows';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ delivery: FAST });
});
afterAll(() => server.close());

/** Runs `test` with a fresh project and a receiver that knows `secret`, closing the receiver after. */
async function withReceiver(test: (receiver: Receiver, project: { api: Api; projectId: string }) => Promise<void>, secret = SECRET): Promise<void> {
  const receiver = await startReceiver(() => secret);
  try {
    await test(receiver, await server.project());
  } finally {
    await receiver.close();
  }
}

async function subscribe(api: Api, receiver: Receiver, body: Record<string, unknown> = {}): Promise<string> {
  const answer = await api('POST', '/v1/webhook-endpoints', { url: receiver.url, secret: SECRET, ...body });
  expect(answer.status).toBe(201);
  return answer.body.id;
}

/** Contacts each created and then changed `changes` times: 1 + changes events per contact. */
async function makeHistory(api: Api, contacts: number, changes: number): Promise<string[]> {
  const ids = await Promise.all(Array.from({ length: contacts }, async (_, i) => (await api('POST', '/v1/contacts', { name: `c${i}` })).body.id as string));
  await Promise.all(
    ids.map(async (id) => {
      for (let n = 1; n <= changes; n++) expect((await api('PATCH', `/v1/contacts/${id}`, { variables: { n } })).status).toBe(200);
    }),
  );
  return ids;
}

async function allEvents(api: Api): Promise<Array<{ id: string; type: string; contact_id: string }>> {
  const answer = await api('GET', '/v1/events?limit=1000');
  expect(answer.status).toBe(200);
  return answer.body.items;
}

describe('webhook endpoints', () => {
  it('shows a generated secret once, lists endpoints without it and deletes them', async () => {
    const { api } = await server.project();
    const created = await api('POST', '/v1/webhook-endpoints', { url: 'https://crm.example.com/hook', events: ['contact.merged', 'switch_to_telegram'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url: 'https://crm.example.com/hook', events: ['contact.merged', 'switch_to_telegram'] });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const list = await api('GET', '/v1/webhook-endpoints');
    expect(list.body.items).toEqual([{ id: created.body.id, url: 'https://crm.example.com/hook', events: ['contact.merged', 'switch_to_telegram'], created_at: created.body.created_at }]);
    expect((await api('DELETE', `/v1/webhook-endpoints/${created.body.id}`)).status).toBe(204);
    expect((await api('GET', '/v1/webhook-endpoints')).body.items).toEqual([]);
    expect((await api('DELETE', `/v1/webhook-endpoints/${created.body.id}`)).body.error.code).toBe('webhook_endpoint_not_found');
  });

  it('refuses a URL that is not http(s) and event names it does not know, listing the valid ones', async () => {
    const { api } = await server.project();
    const ftp = await api('POST', '/v1/webhook-endpoints', { url: 'ftp://crm.example.com' });
    expect(ftp.status).toBe(422);
    expect(ftp.body.error.code).toBe('invalid_webhook_url');
    const unknown = await api('POST', '/v1/webhook-endpoints', { url: 'https://crm.example.com', events: ['contact.created', 'switch_to_myspace'] });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toMatchObject({ code: 'unknown_event_type' });
    expect(unknown.body.error.message).toContain('"switch_to_myspace"');
    expect(unknown.body.error.message).toContain('switch_to_whatsapp');
    expect((await api('GET', '/v1/webhook-endpoints')).body.items).toEqual([]);
  });

  it("keeps another project's endpoints and deliveries out of sight", async () => {
    const { api } = await server.project();
    const other = await server.project();
    const created = await api('POST', '/v1/webhook-endpoints', { url: 'https://crm.example.com/hook' });
    expect((await other.api('GET', '/v1/webhook-endpoints')).body.items).toEqual([]);
    expect((await other.api('GET', `/v1/webhook-endpoints/${created.body.id}/deliveries`)).status).toBe(404);
    expect((await other.api('DELETE', `/v1/webhook-endpoints/${created.body.id}`)).status).toBe(404);
  });
});

describe('webhook delivery', () => {
  it('POSTs each event with a signature the documented receiver code accepts, only for subscribed types', async () => {
    await withReceiver(async (receiver, { api, projectId }) => {
    await subscribe(api, receiver, { events: ['contact.updated'] });
    const [contact] = await makeHistory(api, 1, 2);
    await eventually('both updates are acknowledged', () => receiver.acknowledged().length === 2);
    expect(receiver.arrivals.every((a) => a.event !== null)).toBe(true);
    const [first] = receiver.arrivals;
    expect(first.event).toMatchObject({ type: 'contact.updated', project_id: projectId, contact_id: contact, data: { contact: { id: contact } } });
    expect(first.headers['x-omnimerge-event-id']).toBe(first.event!.id);
    expect(Math.abs(Number(first.headers['x-omnimerge-timestamp']) - Date.now() / 1000)).toBeLessThan(30);
    expect(receiver.acknowledged().map((e) => e.data.contact)).toEqual([
      expect.objectContaining({ variables: { n: 1 } }),
      expect.objectContaining({ variables: { n: 2 } }),
    ]);
    });
  });

  it('documents in docs/events.md exactly the receiver code these tests check deliveries with', () => {
    const receiverCode = readFileSync(new URL('../docs/webhook-receiver.ts', import.meta.url), 'utf8');
    expect(readFileSync(new URL('../docs/events.md', import.meta.url), 'utf8')).toContain(receiverCode);
  });

  it('refuses, with the documented receiver code, a delivery whose body, secret or timestamp is not right', async () => {
    await withReceiver(async (receiver, { api }) => {
    await subscribe(api, receiver);
    await api('POST', '/v1/contacts', { name: 'Ann' });
    await eventually('the delivery has been tried', () => receiver.arrivals.length > 0);
    expect(receiver.arrivals[0]).toMatchObject({ event: null, status: 401 });
    }, 'not-the-secret-of-this-endpoint');
    const raw = JSON.stringify({ id: '1', type: 'contact.created' });
    const now = Math.floor(Date.now() / 1000);
    const headers = (timestamp: number, body = raw) => ({
      'x-omnimerge-timestamp': String(timestamp),
      'x-omnimerge-signature': signDelivery(SECRET, timestamp, body),
    });
    expect(verifyOmnimergeWebhook(SECRET, headers(now), raw)).toMatchObject({ id: '1' });
    expect(verifyOmnimergeWebhook(SECRET, headers(now), raw.replace('created', 'updated'))).toBeNull();
    expect(verifyOmnimergeWebhook(SECRET, headers(now - 3600), raw)).toBeNull();
    expect(verifyOmnimergeWebhook(SECRET, { ...headers(now - 3600), 'x-omnimerge-timestamp': String(now) }, raw)).toBeNull();
  });

  it('delivers every event, in order per contact, once a receiver that was down comes back', async () => {
    await withReceiver(async (receiver, { api }) => {
    const endpoint = await subscribe(api, receiver);
    await receiver.down();
    await makeHistory(api, 6, 4);
    await eventually('deliveries have failed a few times', async () => {
      const deliveries = (await api('GET', `/v1/webhook-endpoints/${endpoint}/deliveries?limit=200`)).body.items;
      return deliveries.length === 30 && deliveries.some((d: { attempts: number }) => d.attempts >= 3);
    });
    const pending = (await api('GET', `/v1/webhook-endpoints/${endpoint}/deliveries?status=pending&limit=200`)).body.items;
    const tried = pending.filter((d: { attempts: number }) => d.attempts > 0);
    expect(tried.length).toBeGreaterThan(0);
    for (const delivery of tried) expect(delivery.last_error).toBe('connection failed');
    // a contact's later events wait untried behind its first
    expect(tried.every((d: { event_type: string }) => d.event_type === 'contact.created')).toBe(true);
    await receiver.up();

    const events = await allEvents(api);
    expect(events).toHaveLength(30);
    await eventually('every event is acknowledged', () => receiver.acknowledged().length >= 30);
    const acknowledged = receiver.acknowledged();
    expect(new Set(acknowledged.map((e) => e.id))).toEqual(new Set(events.map((e) => e.id)));
    expect(inOrderPerContact(acknowledged)).toBe(true);
    expect(receiver.arrivals.every((a) => a.event !== null)).toBe(true);
    // the server records an acknowledgement just after the receiver sent it
    await eventually('every delivery is recorded as delivered', async () => {
      const delivered = await api('GET', `/v1/webhook-endpoints/${endpoint}/deliveries?status=delivered&limit=200`);
      return delivered.body.items.length === 30;
    });
    });
  });

  it('never POSTs a later event of a contact before the earlier one is acknowledged', async () => {
    await withReceiver(async (receiver, { api }) => {
    await subscribe(api, receiver);
    receiver.delayMs = 30;
    await makeHistory(api, 3, 5);
    await eventually('every event is acknowledged', () => receiver.acknowledged().length === 18);
    // arrivals (not only acknowledgements) are in order: nothing overtook a delivery in flight
    expect(inOrderPerContact(receiver.arrivals.map((a) => a.event!))).toBe(true);
    });
  });

  it('stops sending to an endpoint that is deleted', async () => {
    await withReceiver(async (receiver, { api }) => {
    const endpoint = await subscribe(api, receiver);
    await api('POST', '/v1/contacts', { name: 'before' });
    await eventually('the first event arrives', () => receiver.acknowledged().length === 1);
    await api('DELETE', `/v1/webhook-endpoints/${endpoint}`);
    await api('POST', '/v1/contacts', { name: 'after' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.arrivals).toHaveLength(1);
    });
  });

  it('never sends an event of a change that rolled back', async () => {
    await withReceiver(async (receiver, { api, projectId }) => {
    await subscribe(api, receiver);
    const rollback = server.store.transaction(async (tx) => {
      await enqueueEvents(tx, projectId, [{ type: 'contact.updated', contactId: null, data: { rolled: 'back' } }]);
      throw new Error('the change failed');
    });
    await expect(rollback).rejects.toThrow('the change failed');
    const created = await api('POST', '/v1/contacts', { name: 'kept' });
    await eventually('the kept change is delivered', () => receiver.acknowledged().length === 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.arrivals.map((a) => a.event!.type)).toEqual(['contact.created']);
    expect((await allEvents(api)).map((e) => e.contact_id)).toEqual([created.body.id]);
    });
  });
});

describe('dead deliveries', () => {
  const policy = FAST.retry;

  it('dead-letters a delivery after its retries, lets later events of the contact pass, and resends it on request', async () => {
    await withReceiver(async (receiver, { api }) => {
    const endpoint = await subscribe(api, receiver);
    receiver.mode = 'failing';
    const contact = (await api('POST', '/v1/contacts', { name: 'Ann' })).body.id;
    await eventually('the delivery is dead', async () => {
      const items = (await api('GET', `/v1/webhook-endpoints/${endpoint}/deliveries`)).body.items;
      return items[0]?.status === 'dead';
    });
    const [dead] = (await api('GET', `/v1/webhook-endpoints/${endpoint}/deliveries`)).body.items;
    expect(dead).toMatchObject({ event_type: 'contact.created', contact_id: contact, attempts: maxAttempts(policy), last_status_code: 500, last_error: 'HTTP 500' });
    expect(receiver.arrivals).toHaveLength(maxAttempts(policy));
    expect(dead.attempt_log).toHaveLength(10);
    expect(dead.attempt_log.at(-1)).toMatchObject({ status_code: 500, error: 'HTTP 500' });
    expect(new Date(dead.attempt_log.at(-1).at).getTime()).toBeGreaterThan(new Date(dead.attempt_log[0].at).getTime());

    receiver.mode = 'up';
    await api('PATCH', `/v1/contacts/${contact}`, { name: 'Anna' });
    await eventually('the later event is delivered past the dead one', () => receiver.acknowledged().length === 1);
    expect(receiver.acknowledged()[0].type).toBe('contact.updated');

    const retried = await api('POST', `/v1/webhook-endpoints/${endpoint}/deliveries/${dead.id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ id: dead.id, status: 'pending' });
    await eventually('the dead one is delivered on request', () => receiver.acknowledged().length === 2);
    expect(receiver.acknowledged()[1]).toMatchObject({ id: dead.event_id, type: 'contact.created' });
    const after = (await api('GET', `/v1/webhook-endpoints/${endpoint}/deliveries?status=delivered`)).body.items;
    expect(after.map((d: { id: string }) => d.id)).toContain(dead.id);
    expect((await api('POST', `/v1/webhook-endpoints/${endpoint}/deliveries/999999999/retry`)).status).toBe(404);
    });
  });
});

describe('several workers on one database', () => {
  // Two server processes on PostgreSQL; on PGlite (one connection per process) a second worker on the same store.
  let second: TestServer | null = null;
  let extraWorker: { stop: () => Promise<void> } | null = null;
  beforeAll(async () => {
    if (process.env.DATABASE_URL) second = await startServer({ delivery: FAST, databaseUrl: server.databaseUrl });
    else extraWorker = startDelivery(server.store, { ...DEFAULT_DELIVERY, allowPrivate: true, ...FAST });
  });
  afterAll(async () => {
    await second?.close();
    await extraWorker?.stop();
  });

  it('never has one event in flight twice at once, and delivers each once, in order per contact', async () => {
    await withReceiver(async (receiver, { api }) => {
    await subscribe(api, receiver);
    receiver.delayMs = 20;
    await makeHistory(api, 20, 2);
    await eventually('every event is acknowledged', () => receiver.acknowledged().length >= 60, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.overlaps).toBe(0);
    const ids = receiver.arrivals.map((a) => a.event!.id);
    expect(ids).toHaveLength(60);
    expect(new Set(ids).size).toBe(60);
    expect(inOrderPerContact(receiver.acknowledged())).toBe(true);
    });
  });
});

describe('events by polling', () => {
  it('pages through the events of the project after a given id, oldest first', async () => {
    const { api } = await server.project();
    const other = await server.project();
    await other.api('POST', '/v1/contacts', { name: 'elsewhere' });
    const [contact] = await makeHistory(api, 1, 2);
    const first = await api('GET', '/v1/events?limit=2');
    expect(first.body.items.map((e: { type: string }) => e.type)).toEqual(['contact.created', 'contact.updated']);
    expect(first.body.items[0]).toMatchObject({ contact_id: contact, data: { contact: { id: contact, name: 'c0' } } });
    const next = await api('GET', `/v1/events?after=${first.body.next_after}`);
    expect(next.body.items).toHaveLength(1);
    expect(BigInt(next.body.items[0].id)).toBeGreaterThan(BigInt(first.body.next_after));
    const empty = await api('GET', `/v1/events?after=${next.body.next_after}`);
    expect(empty.body).toEqual({ items: [], next_after: next.body.next_after });
    expect((await api('GET', '/v1/events?after=yesterday')).body.error.code).toBe('invalid_cursor');
  });

  it.runIf(process.env.DATABASE_URL)('does not skip an event whose transaction commits after a later one (PostgreSQL: concurrent transactions)', async () => {
    const { api, projectId } = await server.project();
    // a well-formed contact.updated (made in another project, so it adds no event here)
    const contact = (await (await server.project()).api('POST', '/v1/contacts', { name: 'slow' })).body;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = server.store.transaction(async (tx) => {
      await enqueueEvents(tx, projectId, [{ type: 'contact.updated', contactId: null, data: { contact, changed: ['name'] } }]);
      await gate;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await api('POST', '/v1/contacts', { name: 'fast' });
    const seen = await api('GET', '/v1/events');
    expect(seen.body.items.map((e: { type: string }) => e.type)).toEqual(['contact.created']);
    release();
    await slow;
    const later = await api('GET', `/v1/events?after=${seen.body.next_after}`);
    expect(later.body.items.map((e: { data: { contact: { name: string } } }) => e.data.contact.name)).toEqual(['slow']);
  });
});
