import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RETENTION, pruneDelivered, retentionOptionsFromEnv, startRetention } from '../src/events/retention.js';
import { publishEvents } from '../src/store/outbox.js';
import { eventually } from './helpers/receiver.js';
import { startServer, type Api, type TestServer } from './helpers/server.js';

// Retention (docs/events.md): delivered deliveries and published events older than
// OMNIMERGE_RETENTION_DAYS are pruned in the background; pending and dead ones, and their events, stay.

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const DAY = 24 * 60 * 60 * 1000;

/** Ages a contact's events and deliveries: created `days` ago, in the given state. */
async function age(projectId: string, contactId: string, days: number, status: 'delivered' | 'pending' | 'dead') {
  const at = new Date(Date.now() - days * DAY);
  await sql`UPDATE outbox SET created_at = ${at} WHERE project_id = ${projectId} AND contact_id = ${contactId}`.execute(server.store.db);
  await sql`UPDATE webhook_deliveries SET status = ${status}, created_at = ${at}, delivered_at = ${status === 'delivered' ? at : null}
    WHERE project_id = ${projectId} AND contact_id = ${contactId}`.execute(server.store.db);
}

async function rowsOf(projectId: string, contactId: string) {
  const events = await server.store.db.selectFrom('outbox').select('type').where('project_id', '=', projectId).where('contact_id', '=', contactId).execute();
  const deliveries = await server.store.db.selectFrom('webhook_deliveries').select('status').where('project_id', '=', projectId).where('contact_id', '=', contactId).execute();
  return { events: events.length, deliveries: deliveries.length };
}

async function contact(api: Api, name: string): Promise<string> {
  return (await api('POST', '/v1/contacts', { name })).body.id;
}

/** Contacts whose events are old and were delivered, old and pending, old and dead, recent and delivered, old without any endpoint. */
async function history(api: Api, projectId: string) {
  const unsubscribed = await contact(api, 'before any endpoint');
  await publishEvents(server.store, { skipIfBusy: false });
  await api('POST', '/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/hook' });
  const ids = {
    oldDelivered: [await contact(api, 'a'), await contact(api, 'b'), await contact(api, 'c')],
    oldPending: await contact(api, 'pending'),
    oldDead: await contact(api, 'dead'),
    recentDelivered: await contact(api, 'recent'),
    unsubscribed,
  };
  await publishEvents(server.store, { skipIfBusy: false });
  for (const id of ids.oldDelivered) await age(projectId, id, 40, 'delivered');
  await age(projectId, ids.oldPending, 40, 'pending');
  await age(projectId, ids.oldDead, 40, 'dead');
  await age(projectId, ids.recentDelivered, 3, 'delivered');
  await age(projectId, unsubscribed, 40, 'delivered');
  return ids;
}

async function expectPruned(projectId: string, ids: Awaited<ReturnType<typeof history>>) {
  for (const id of ids.oldDelivered) expect(await rowsOf(projectId, id)).toEqual({ events: 0, deliveries: 0 });
  expect(await rowsOf(projectId, ids.unsubscribed)).toEqual({ events: 0, deliveries: 0 });
  expect(await rowsOf(projectId, ids.oldPending)).toEqual({ events: 1, deliveries: 1 });
  expect(await rowsOf(projectId, ids.oldDead)).toEqual({ events: 1, deliveries: 1 });
  expect(await rowsOf(projectId, ids.recentDelivered)).toEqual({ events: 1, deliveries: 1 });
}

describe('retention', () => {
  it('prunes delivered deliveries and their events older than the retention, in small batches, and keeps pending, dead and recent ones', async () => {
    const { api, projectId } = await server.project();
    const ids = await history(api, projectId);
    const report = await pruneDelivered(server.store, { ...DEFAULT_RETENTION, batchSize: 2, pauseMs: 0 });
    expect(report.deliveries).toBeGreaterThanOrEqual(3);
    expect(report.events).toBeGreaterThanOrEqual(4);
    await expectPruned(projectId, ids);
    // polling no longer shows the pruned events; the kept ones are still there
    const polled = (await api('GET', '/v1/events?after=0&limit=200')).body.items.map((e: { contact_id: string }) => e.contact_id);
    expect(polled.sort()).toEqual([ids.oldPending, ids.oldDead, ids.recentDelivered].sort());
  });

  it('runs in the background of the server from the start, and keeps everything with a retention of 0 days', async () => {
    const { api, projectId } = await server.project();
    const ids = await history(api, projectId);
    const keepAll = startRetention(server.store, retentionOptionsFromEnv({ OMNIMERGE_RETENTION_DAYS: '0' }));
    await keepAll.stop();
    expect(await rowsOf(projectId, ids.oldDelivered[0])).toEqual({ events: 1, deliveries: 1 });
    const worker = startRetention(server.store, { ...retentionOptionsFromEnv({ OMNIMERGE_RETENTION_DAYS: '30' }), batchSize: 2, pauseMs: 0 });
    try {
      await eventually('old delivered rows are pruned', async () => (await rowsOf(projectId, ids.oldDelivered[2])).events === 0 && (await rowsOf(projectId, ids.unsubscribed)).events === 0);
      await expectPruned(projectId, ids);
    } finally {
      await worker.stop();
    }
  });

  it('refuses a retention that is not a number of days', () => {
    expect(() => retentionOptionsFromEnv({ OMNIMERGE_RETENTION_DAYS: 'a month' })).toThrow(/OMNIMERGE_RETENTION_DAYS must be a number of days/);
    expect(retentionOptionsFromEnv({}).days).toBe(30);
  });
});
