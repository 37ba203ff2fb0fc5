import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstSuccessAfter, startInboundLoad, unavailableSeconds, type LoadFigures } from './helpers/inbound-load.js';
import { openStore } from '../src/store/database.js';
import { freePort, startPrivatePostgres, type PrivatePostgres } from './helpers/private-postgres.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { connectBot, startServer, type Api, type TestServer } from './helpers/server.js';

// Database faults on a PostgreSQL cluster of the test's own (restarted, stopped, its backends
// terminated), with the server under concurrent inbound clients. Run in the PostgreSQL pass of the
// suite (DATABASE_URL set); the suite's own database is not touched.

const DB = 'omnimerge_faults';
const CLI = fileURLToPath(new URL('./helpers/cli-entry.ts', import.meta.url));
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await wait(50);
  }
}

function report(title: string, figures: LoadFigures, extra: Record<string, unknown> = {}) {
  const { acked, refused, connectionErrors, malformed, unexpected, slowestMs } = figures;
  console.log(`${title}: ${JSON.stringify({ acked: acked.length, refused_503: refused, connection_errors: connectionErrors, malformed_503: malformed, unexpected: unexpected.length, unavailable_s: unavailableSeconds(figures), slowest_request_ms: slowestMs, ...extra })}`);
}

describe.skipIf(!process.env.DATABASE_URL)('database faults (private PostgreSQL cluster)', () => {
  let cluster: PrivatePostgres;
  let server: TestServer;
  let api: Api;
  let apiKey: string;
  let projectId: string;
  let botId: string;
  let receiver: Receiver;
  let secret = '';

  const stored = async () =>
    (await cluster.query<{ id: string }>(`SELECT external_message_id AS id FROM messages WHERE project_id = $1 AND direction = 'in'`, [projectId], DB)).map((r) => r.id);

  const expectAllAckedStoredOnce = async (figures: LoadFigures) => {
    const ids = await stored();
    const counts = new Map<string, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect(figures.acked.filter((id) => counts.get(id) !== 1)).toEqual([]);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    return ids.length;
  };

  beforeAll(async () => {
    cluster = await startPrivatePostgres();
    await cluster.createDatabase(DB);
    server = await startServer({
      database: { databaseUrl: cluster.url(DB), connectTimeoutMs: 2000, queryTimeoutMs: 5000, poolSize: 10 },
      delivery: { pollMs: 100, timeoutMs: 5000, retry: { baseMs: 50, maxDelayMs: 200, giveUpAfterMs: 60_000 } },
    });
    ({ api, apiKey, projectId } = await server.project('faults'));
    botId = (await connectBot(api)).id;
    receiver = await startReceiver(() => secret);
    const endpoint = await api('POST', '/v1/webhook-endpoints', { url: receiver.url, events: ['contact.created'] });
    expect(endpoint.status).toBe(201);
    secret = endpoint.body.secret;
  });

  afterAll(async () => {
    await server?.close();
    await receiver?.close();
    await cluster?.destroy();
  });

  it('stays up through a PostgreSQL restart under load: acknowledged messages are all stored, the outage answers 503 with Retry-After, writes succeed within a second of PostgreSQL accepting connections, webhooks resume', async () => {
    const load = startInboundLoad(server.url, apiKey, botId, 4);
    await wait(1000);
    const restartStarted = Date.now();
    await cluster.restart();
    const acceptingAt = Date.now();
    await wait(1500);
    const figures = await load.stop();

    const recoveryMs = firstSuccessAfter(figures, acceptingAt);
    report('restart', figures, { restart_ms: acceptingAt - restartStarted, first_success_after_accepting_ms: recoveryMs, health: server.store.health() });
    expect(figures.unexpected).toEqual([]);
    expect(figures.connectionErrors).toBe(0);
    expect(figures.malformed).toBe(0);
    expect(Object.keys(figures.refused).every((code) => code === 'database_unavailable' || code === 'commit_unknown')).toBe(true);
    expect(recoveryMs).not.toBeNull();
    expect(recoveryMs!).toBeLessThan(1500); // within a second, with room for a loaded machine
    expect(figures.slowestMs).toBeLessThan(2000 + 3000); // bounded by the connect timeout (2 s here)
    const total = await expectAllAckedStoredOnce(figures);
    console.log(`restart: ${figures.acked.length} acknowledged, ${total} stored`);

    // webhook delivery resumed by itself: a message sent now reaches the receiver
    const after = await api('POST', '/v1/inbound', { bot_id: botId, external_user_id: 'after-restart', message_id: 'after-restart', text: 'hello again' });
    expect(after.status).toBe(200);
    await until('the webhook of a message sent after the restart', async () =>
      receiver.acknowledged().some((e) => e.type === 'contact.created' && e.contact_id === after.body.contact_id),
    );
    const health = server.store.health();
    expect(health.up).toBe(true);
    expect(health.errors_total).toBeGreaterThan(0);
    expect(health.outage_seconds_total).toBeGreaterThan(0);
    // and GET /metrics says so, for an operator's dashboard
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^omnimerge_db_up 1$/m);
    expect(Number(/^omnimerge_db_errors_total (\S+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(Number(/^omnimerge_db_outage_seconds_total (\S+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
  });

  it('stays up when its connections are terminated (pg_terminate_backend) under load, and loses nothing acknowledged', async () => {
    const load = startInboundLoad(server.url, apiKey, botId, 4);
    let terminated = 0;
    for (let i = 0; i < 5; i++) {
      await wait(300);
      terminated += await cluster.terminateBackends(DB);
    }
    await wait(500);
    const figures = await load.stop();
    report('terminate', figures, { backends_terminated: terminated });
    expect(terminated).toBeGreaterThan(0);
    expect(figures.unexpected).toEqual([]);
    expect(figures.connectionErrors).toBe(0);
    expect(figures.malformed).toBe(0);
    await expectAllAckedStoredOnce(figures);
    expect((await api('GET', '/v1/settings')).status).toBe(200);
  });

  it('answers 503 commit_unknown when the connection breaks during COMMIT, and the same message sent again is stored once', async () => {
    // a deferred trigger makes the COMMIT of this one message slow enough to cut its connection meanwhile
    await cluster.query(
      `CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.text = 'slow commit' THEN PERFORM pg_sleep(3); END IF; RETURN NULL; END $$;
       CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON messages DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit();`,
      [],
      DB,
    );
    try {
      const message = { bot_id: botId, external_user_id: 'cut-off', message_id: 'cut-off-1', text: 'slow commit' };
      const sending = api('POST', '/v1/inbound', message);
      await until('the COMMIT in flight', async () => (await cluster.terminateBackends(DB, `query = 'commit' AND state = 'active'`)) > 0);
      const cut = await sending;
      expect(cut.status).toBe(503);
      expect(cut.body.error.code).toBe('commit_unknown');
      expect(cut.headers.get('retry-after')).toBe('1');

      await cluster.query('DROP TRIGGER slow_commit ON messages', [], DB);
      const again = await api('POST', '/v1/inbound', message);
      expect(again.status).toBe(200);
      const once = await api('POST', '/v1/inbound', message);
      expect(once.body.duplicate).toBe(true);
      expect((await stored()).filter((id) => id === 'cut-off-1')).toHaveLength(1);
    } finally {
      await cluster.query('DROP TRIGGER IF EXISTS slow_commit ON messages; DROP FUNCTION IF EXISTS slow_commit()', [], DB);
    }
  });

  it('answers /readyz 503 and API calls 503 database_unavailable within the connect timeout while PostgreSQL is down; /healthz stays 200; all back once it is up', async () => {
    await cluster.stop();
    try {
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(ready.headers.get('retry-after')).toBe('1');
      expect(((await ready.json()) as any).error.code).toBe('database_unavailable');
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      const started = Date.now();
      const answer = await api('POST', '/v1/inbound', { bot_id: botId, external_user_id: 'down', message_id: 'down-1' });
      expect(answer.status).toBe(503);
      expect(answer.body.error).toEqual({ code: 'database_unavailable', message: expect.stringContaining('try again') });
      expect(Date.now() - started).toBeLessThan(3000);
      // a messenger's webhook is answered with a status the messenger retries on
      const hook = await fetch(`${server.url}/v1/channels/telegram/${botId}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(hook.status).toBe(503);
      expect(server.store.health().up).toBe(false);
    } finally {
      await cluster.start();
    }
    const back = Date.now();
    await until('/readyz 200', async () => (await fetch(`${server.url}/readyz`)).status === 200);
    console.log(`readyz: 200 again ${Date.now() - back} ms after PostgreSQL accepted connections`);
    expect((await api('POST', '/v1/inbound', { bot_id: botId, external_user_id: 'down', message_id: 'down-1' })).status).toBe(200);
  });

  it('skips a host of DATABASE_URL that refuses connections and uses the next one', async () => {
    const store = await openStore({ databaseUrl: `postgres://postgres@127.0.0.1:${await freePort()},127.0.0.1:${cluster.port}/${DB}`, connectTimeoutMs: 2000 });
    try {
      expect(await store.readiness()).toEqual({ ready: true });
    } finally {
      await store.close();
    }
  });

  it('answers /readyz 503 while a migration of this version is missing from the database', async () => {
    await cluster.query(`DELETE FROM kysely_migration WHERE name = (SELECT max(name) FROM kysely_migration) RETURNING name`, [], DB).then(async ([row]) => {
      try {
        const ready = await fetch(`${server.url}/readyz`);
        expect(ready.status).toBe(503);
        expect(((await ready.json()) as any).error.message).toContain('migration');
      } finally {
        await cluster.query(`INSERT INTO kysely_migration (name, timestamp) VALUES ($1, now()::text)`, [row.name], DB);
      }
    });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });

  it('`omnimerge serve` started while PostgreSQL refuses connections keeps trying, says so, and serves once it is up', async () => {
    await cluster.stop();
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve'], {
      // a database of its own: migrated directly, not through the suite's migration URL
      env: { ...process.env, DATABASE_URL: cluster.url(DB), OMNIMERGE_MIGRATION_DATABASE_URL: '', PORT: '0', LOG_LEVEL: 'info' },
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    try {
      await until('a second refused attempt in the log', async () => (output.match(/database unreachable at start; trying again/g) ?? []).length >= 2, 45_000);
      expect(child.exitCode).toBeNull();
      await cluster.start();
      const url = await until('the server listening', async () => /omnimerge serves (http:\/\/[\d.]+:\d+)/.exec(output)?.[1], 30_000);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
    } finally {
      await cluster.start().catch(() => {});
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
    }
  });
});
