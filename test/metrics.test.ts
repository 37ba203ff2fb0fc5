import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateDatabase } from './helpers/databases.js';
import { scrape } from './helpers/metrics.js';
import { eventually, FAST_DELIVERY, startReceiver } from './helpers/receiver.js';
import { connectBot, startServer, type TestServer } from './helpers/server.js';

// GET /metrics (Prometheus text format): the figures move with real requests, inbound messages, merges,
// links and webhook deliveries. The server runs on a database of its own, so the outbox backlog it
// reports is this file's alone.

let database: Awaited<ReturnType<typeof privateDatabase>>;
let server: TestServer;
beforeAll(async () => {
  database = await privateDatabase();
  server = await startServer({ databaseUrl: database.url });
});
afterAll(async () => {
  await server?.close();
  await database?.drop();
});

describe('GET /metrics', () => {
  it('answers the Prometheus text format without an API key, and the OpenAPI document names it getMetrics', async () => {
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const { families } = await scrape(server.url);
    const names = families.map((f) => f.name);
    for (const name of [
      'omnimerge_http_request_duration_seconds',
      'omnimerge_inbound_resolutions_total',
      'omnimerge_merges_total',
      'omnimerge_links_completed_total',
      'omnimerge_webhook_delivery_attempts_total',
      'omnimerge_outbox_backlog',
      'omnimerge_outbox_oldest_undelivered_age_seconds',
      'omnimerge_db_pool_connections',
      'omnimerge_db_pool_max',
      'process_cpu_seconds_total',
    ]) {
      expect(names).toContain(name);
    }
    expect(families.find((f) => f.name === 'omnimerge_http_request_duration_seconds')?.type).toBe('HISTOGRAM');

    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, any> };
    expect(document.paths['/metrics'].get).toMatchObject({ operationId: 'getMetrics', security: [] });
    expect(Object.keys(document.paths['/metrics'].get.responses['200'].content)).toEqual(['text/plain']);
  });

  it('counts HTTP requests by route pattern and status, with latency buckets, and never shows the raw URL', async () => {
    const { api } = await server.project();
    const route = { method: 'GET', route: '/v1/contacts/:id', status_code: '404' };
    const count = 'omnimerge_http_request_duration_seconds_count';
    const before = await scrape(server.url);
    const unknown = [randomUUID(), randomUUID()];
    for (const id of unknown) expect((await api('GET', `/v1/contacts/${id}`)).status).toBe(404);
    expect((await api('GET', '/no-such-page')).status).toBe(404);
    const after = await scrape(server.url);

    expect(after.value(count, route) - before.value(count, route)).toBe(2);
    const unmatched = { method: 'GET', route: 'unmatched', status_code: '404' };
    expect(after.value(count, unmatched) - before.value(count, unmatched)).toBe(1);
    expect(after.value('omnimerge_http_request_duration_seconds_bucket', { ...route, le: '+Inf' })).toBe(after.value(count, route));
    expect(after.value('omnimerge_http_request_duration_seconds_sum', route)).toBeGreaterThan(before.value('omnimerge_http_request_duration_seconds_sum', route));
    for (const id of unknown) expect(after.text).not.toContain(id);
    expect(after.text).not.toContain('no-such-page');
  });

  it('counts inbound resolutions as created, known and duplicate', async () => {
    const { api } = await server.project();
    const bot = await connectBot(api, 'telegram', 'metrics_bot');
    const outcome = (s: Awaited<ReturnType<typeof scrape>>, name: string) => s.value('omnimerge_inbound_resolutions_total', { outcome: name });
    const before = await scrape(server.url);
    expect((await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'ann', message_id: '1', text: 'hi' })).body.created).toBe(true);
    expect((await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'ann', message_id: '1', text: 'hi' })).body.duplicate).toBe(true);
    expect((await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'ann', message_id: '2', text: 'again' })).body.created).toBe(false);
    expect((await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'bob', message_id: '3' })).body.created).toBe(true);
    const after = await scrape(server.url);
    expect(outcome(after, 'created') - outcome(before, 'created')).toBe(2);
    expect(outcome(after, 'known') - outcome(before, 'known')).toBe(1);
    expect(outcome(after, 'duplicate') - outcome(before, 'duplicate')).toBe(1);
  });

  it('counts merges by reason (api, rule, link) and completed links by channel; a dry run counts nothing', async () => {
    const { api } = await server.project();
    const merged = (s: Awaited<ReturnType<typeof scrape>>, reason: string) => s.value('omnimerge_merges_total', { reason });
    const before = await scrape(server.url);

    const [a, b] = await Promise.all([api('POST', '/v1/contacts', { name: 'A' }), api('POST', '/v1/contacts', { name: 'B' })]);
    const dryRun = await api('POST', '/v1/contacts/merge', { from_contact_id: a.body.id, to_contact_id: b.body.id, dry_run: true });
    expect(dryRun.status).toBe(200);
    expect(merged(await scrape(server.url), 'api')).toBe(merged(before, 'api'));
    expect((await api('POST', '/v1/contacts/merge', { from_contact_id: a.body.id, to_contact_id: b.body.id })).status).toBe(200);

    expect((await api('POST', '/v1/merge-rules', { fields: ['phone'] })).status).toBe(201);
    const first = await api('POST', '/v1/contacts', { name: 'C', phone: '+14155552671' });
    const second = await api('POST', '/v1/contacts', { name: 'D', phone: '+1 415 555 2671' });
    expect(second.body.id).toBe(first.body.id);

    const bot = await connectBot(api, 'telegram', 'handoff_bot');
    const link = await api('POST', `/v1/contacts/${b.body.id}/merge-link`, { channel: 'telegram' });
    expect(link.status).toBe(201);
    const arrival = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'ann-on-telegram', payload: link.body.token });
    expect(arrival.body.linked).toMatchObject({ status: 'completed', contact_id: b.body.id });

    const after = await scrape(server.url);
    expect(merged(after, 'api') - merged(before, 'api')).toBe(1);
    expect(merged(after, 'rule') - merged(before, 'rule')).toBe(1);
    expect(merged(after, 'link') - merged(before, 'link')).toBe(1);
    const linked = (s: Awaited<ReturnType<typeof scrape>>) => s.value('omnimerge_links_completed_total', { channel: 'telegram' });
    expect(linked(after) - linked(before)).toBe(1);
    expect(after.text).not.toContain(b.body.id);
  });

  it('reports the outbox backlog and the age of the oldest event not yet delivered', async () => {
    const { api } = await server.project();
    const unpublished = (s: Awaited<ReturnType<typeof scrape>>) => s.value('omnimerge_outbox_backlog', { stage: 'unpublished' });
    const before = await scrape(server.url);
    const started = Date.now();
    for (const name of ['E', 'F', 'G']) expect((await api('POST', '/v1/contacts', { name })).status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const after = await scrape(server.url);
    // no delivery worker runs beside this server: each new contact.created event waits
    expect(unpublished(after) - unpublished(before)).toBe(3);
    expect(after.value('omnimerge_outbox_backlog', { stage: 'pending_delivery' })).toBe(0);
    expect(after.value('omnimerge_outbox_oldest_undelivered_age_seconds')).toBeGreaterThanOrEqual((Date.now() - started) / 1000 - 1);
    expect(after.value('omnimerge_outbox_oldest_undelivered_age_seconds')).toBeGreaterThanOrEqual(1);
  });

  it('reports database pool use: connections in use, idle and waiting, and the pool size', async () => {
    const { api } = await server.project();
    await Promise.all(Array.from({ length: 20 }, (_, i) => api('POST', '/v1/contacts', { name: `load ${i}` })));
    const now = await scrape(server.url);
    const max = now.value('omnimerge_db_pool_max');
    expect(max).toBe(process.env.DATABASE_URL ? 40 : 1); // the test server's pool; PGlite has one connection
    const inUse = now.value('omnimerge_db_pool_connections', { state: 'in_use' });
    const idle = now.value('omnimerge_db_pool_connections', { state: 'idle' });
    expect(inUse).toBeGreaterThanOrEqual(0);
    expect(idle).toBeGreaterThanOrEqual(0);
    expect(inUse + idle).toBeGreaterThan(0);
    expect(inUse + idle).toBeLessThanOrEqual(max);
    expect(now.value('omnimerge_db_pool_connections', { state: 'waiting' })).toBeGreaterThanOrEqual(0);
  });

  it('counts webhook delivery attempts as delivered, failed and dead', async () => {
    // a second server on the same database runs the delivery worker, with retries given up after 1.5 s
    const worker = await startServer({ databaseUrl: database.url, delivery: FAST_DELIVERY });
    const up = await startReceiver(() => 'up-secret-of-the-test');
    const failing = await startReceiver(() => 'failing-secret-of-the-test');
    failing.mode = 'failing';
    try {
      const attempts = async (result: string) => (await scrape(worker.url)).value('omnimerge_webhook_delivery_attempts_total', { result });
      const before = { delivered: await attempts('delivered'), failed: await attempts('failed'), dead: await attempts('dead') };
      const good = await worker.project();
      const bad = await worker.project();
      expect((await good.api('POST', '/v1/webhook-endpoints', { url: up.url, secret: 'up-secret-of-the-test' })).status).toBe(201);
      expect((await bad.api('POST', '/v1/webhook-endpoints', { url: failing.url, secret: 'failing-secret-of-the-test' })).status).toBe(201);
      await good.api('POST', '/v1/contacts', { name: 'delivered' });
      await bad.api('POST', '/v1/contacts', { name: 'refused' });

      await eventually('one delivery was acknowledged', async () => (await attempts('delivered')) > before.delivered);
      await eventually('a refused delivery was given up', async () => (await attempts('dead')) > before.dead);
      expect(await attempts('failed')).toBeGreaterThan(before.failed);
      expect(up.acknowledged().length).toBeGreaterThanOrEqual(1);
      await eventually('the backlog is empty', async () => (await scrape(worker.url)).value('omnimerge_outbox_backlog', { stage: 'pending_delivery' }) === 0);
    } finally {
      await up.close();
      await failing.close();
      await worker.close();
    }
  });
});

describe('a server with metrics off', () => {
  it('removes the route: GET /metrics answers 404', async () => {
    const { buildServer } = await import('../src/http/server.js');
    const app = await buildServer({ store: server.store, logger: false, metrics: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const answer = await fetch(`${url}/metrics`);
    expect(answer.status).toBe(404);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('not_found');
    expect(((await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, unknown> }).paths['/metrics']).toBeUndefined();
    await app.close();
  });
});
