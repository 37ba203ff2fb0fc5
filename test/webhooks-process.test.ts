import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnServer } from './helpers/process.js';
import { privateDatabase } from './helpers/databases.js';
import { eventually, FAST_DELIVERY_ENV, inOrderPerContact, startReceiver } from './helpers/receiver.js';
import { client } from './helpers/server.js';

// Delivery as `omnimerge serve` runs it, in its own process: killed with SIGKILL while POSTs are in
// flight, then started again on the same database.

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const SECRET = 'the-secret-of-the-killed-server';

describe('webhook delivery across a crash', () => {
  it('loses nothing when the server is killed mid-delivery and started again', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'omnimerge-'));
    dirs.push(dataDir);
    // on PostgreSQL a database of its own: the suite's other servers would deliver these events too
    const database = await privateDatabase();
    const env = {
      ...(database.url ? { DATABASE_URL: database.url } : { OMNIMERGE_DATA_DIR: dataDir, DATABASE_URL: '' }),
      OMNIMERGE_API_KEY: `key-${Math.random().toString(36).slice(2)}`,
      ...FAST_DELIVERY_ENV,
      // a short timeout makes a short lease: the restarted server takes over the killed one's deliveries sooner
      OMNIMERGE_WEBHOOK_TIMEOUT_MS: '1000',
    };
    const receiver = await startReceiver(() => SECRET);
    const first = await spawnServer(env);
    try {
      const api = client(first.url, env.OMNIMERGE_API_KEY);
      expect((await api('POST', '/v1/webhook-endpoints', { url: receiver.url, secret: SECRET })).status).toBe(201);
      receiver.mode = 'hang';
      const contacts = await Promise.all(Array.from({ length: 8 }, async (_, i) => (await api('POST', '/v1/contacts', { name: `c${i}` })).body.id));
      for (const id of contacts) await api('PATCH', `/v1/contacts/${id}`, { tags: ['vip'] });
      await eventually(
        'every contact has had a delivery attempt and some are in flight',
        () => receiver.held() >= 1 && new Set(receiver.arrivals.map((a) => a.event!.contact_id)).size === 8,
      );
      const events = (await api('GET', '/v1/events?limit=100')).body.items;
      expect(events).toHaveLength(16);

      expect(await first.stop('SIGKILL')).toBe(null);
      receiver.mode = 'up';
      const second = await spawnServer(env);
      try {
        await eventually('every event is acknowledged after the restart', () => new Set(receiver.acknowledged().map((e) => e.id)).size === 16, 30_000);
        const acknowledged = receiver.acknowledged();
        expect(new Set(acknowledged.map((e) => e.id))).toEqual(new Set(events.map((e: { id: string }) => e.id)));
        expect(inOrderPerContact(acknowledged)).toBe(true);
        expect(receiver.arrivals.every((a) => a.event !== null)).toBe(true);
      } finally {
        await second.stop('SIGTERM');
      }
    } finally {
      await first.stop('SIGKILL');
      await receiver.close();
      await database.drop();
    }
  });
});
