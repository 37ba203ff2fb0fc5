import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { createMessengerAccounts } from '../../src/channels/accounts.js';
import type { Store } from '../../src/store/database.js';
import { connectBot } from '../../src/usecases/connect-bot.js';
import { ensureProjectForKey } from '../../src/usecases/create-project.js';

// `omnimerge serve` from the build, in its own process, for benchmarks that load it over HTTP.

export const API_KEY = 'bench-key';

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface BenchServer {
  base: string;
  pid: number | undefined;
  stop: () => Promise<void>;
}

/** Starts a server on `databaseUrl` and resolves once /healthz answers. */
export async function startBenchServer(env: Record<string, string>): Promise<BenchServer> {
  const port = await freePort();
  // BENCH_SERVER_NODE_ARGS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`: profiles the server under the bench's load
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, 'bin/omnimerge.js', 'serve'], {
    env: { ...process.env, PORT: String(port), OMNIMERGE_API_KEY: API_KEY, LOG_LEVEL: 'warn', OMNIMERGE_RATE_LIMIT: '0', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  };
  for (let i = 0; ; i++) {
    if ((await fetch(`${base}/healthz`).catch(() => null))?.ok) break;
    if (i > 300) {
      await stop();
      throw new Error('server did not start');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { base, pid: child.pid, stop };
}

export const HEADERS = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };

/** A Telegram bot and `identities` clients that have each written once, so later messages take the known-identity path. */
export async function knownIdentities(base: string, identities: number): Promise<{ botId: string }> {
  const bot = (await (await fetch(`${base}/v1/bots`, { method: 'POST', headers: HEADERS, body: JSON.stringify({ channel: 'telegram', handle: 'bench_bot' }) })).json()) as { id: string };
  const users = Array.from({ length: identities }, (_, i) => String(i + 1));
  const acked = await sendFirstMessages([base], bot.id, users, 'first', 50);
  if (acked !== identities) throw new Error(`${identities - acked} of ${identities} first messages were refused`);
  return { botId: bot.id };
}

/**
 * Each user's message sent to every server in `bases` at the same moment, `perBatch` users at a time;
 * answers how many of the requests were acknowledged (2xx).
 */
export async function sendFirstMessages(bases: string[], botId: string, users: string[], text: string, perBatch: number): Promise<number> {
  let acked = 0;
  for (let i = 0; i < users.length; i += perBatch) {
    const sends = users.slice(i, i + perBatch).flatMap((user) =>
      bases.map((base) =>
        fetch(`${base}/v1/inbound`, { method: 'POST', headers: HEADERS, body: JSON.stringify({ bot_id: botId, external_user_id: user, text }) }).then((r) => r.ok),
      ),
    );
    for (const ok of await Promise.all(sends)) if (ok) acked++;
  }
  return acked;
}

/** autocannon's request list: a message from a random known identity each time. */
export function inboundRequests(botId: string, identities: number) {
  return [
    {
      method: 'POST' as const,
      headers: HEADERS,
      setupRequest: (req: object) => ({
        ...req,
        body: JSON.stringify({ bot_id: botId, external_user_id: String(1 + Math.floor(Math.random() * identities)), text: 'hello again' }),
      }),
    },
  ];
}

/** The project of the bench key and its Telegram bot, made in `store` as the server would make them. */
export async function benchProject(store: Store): Promise<{ projectId: string; botId: string }> {
  const { project_id: projectId } = await ensureProjectForKey(store, API_KEY);
  const bot = await connectBot(store, projectId, { channel: 'telegram', handle: 'bench_bot' }, { accounts: createMessengerAccounts(), publicUrl: null });
  return { projectId, botId: bot.id };
}

const SEED_BATCH = 100_000;

/**
 * Clients `from`..`to` (their external user ids are the numbers) as the server keeps a client who has
 * written once: a contact, its identity on the bot, their conversation and that first message. Written
 * set-based, a batch per statement, so a million takes seconds rather than a million HTTP calls.
 */
export async function seedKnownIdentities(store: Store, { projectId, botId }: { projectId: string; botId: string }, from: number, to: number): Promise<void> {
  for (let start = from; start <= to; start += SEED_BATCH) {
    const end = Math.min(to, start + SEED_BATCH - 1);
    await sql`
      WITH client AS MATERIALIZED (
        SELECT g::text AS user_id, gen_random_uuid() AS contact_id, gen_random_uuid() AS identity_id, gen_random_uuid() AS conversation_id
        FROM generate_series(${start}::int, ${end}::int) g
      ), contact AS (
        INSERT INTO contacts (project_id, id) SELECT ${projectId}::uuid, contact_id FROM client
      ), identity AS (
        INSERT INTO identities (project_id, id, contact_id, bot_id, external_user_id, last_inbound_at)
        SELECT ${projectId}::uuid, identity_id, contact_id, ${botId}::uuid, user_id, now() FROM client
      ), conversation AS (
        INSERT INTO conversations (project_id, id, contact_id, bot_id, channel, last_message_at)
        SELECT ${projectId}::uuid, conversation_id, contact_id, ${botId}::uuid, 'telegram', now() FROM client
      )
      INSERT INTO messages (project_id, id, conversation_id, identity_id, direction, text)
      SELECT ${projectId}::uuid, gen_random_uuid(), conversation_id, identity_id, 'in', 'first' FROM client
    `.execute(store.db);
  }
}

export interface HttpLoad {
  rps: number;
  p50: number;
  p99: number;
}

/** `clients` connections sending messages of random known identities for `seconds`; fails on any error answer. */
export async function inboundLoad(base: string, botId: string, identities: number, clients: number, seconds: number): Promise<HttpLoad> {
  const run = await autocannon({ url: `${base}/v1/inbound`, connections: clients, duration: seconds, requests: inboundRequests(botId, identities) });
  if (run.non2xx > 0 || run.errors > 0) throw new Error(`HTTP run had ${run.non2xx} non-2xx answers and ${run.errors} errors`);
  return { rps: run.requests.average, p50: run.latency.p50, p99: run.latency.p99 };
}
