// Inbound throughput of one server process against two on the same PostgreSQL, directly and through
// PgBouncer in transaction pooling mode (docs/scaling.md), beside pgbench running the server's own SQL.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { pgbench, projectOf } from './inbound.js';
import type { Bench } from './run.js';
import { freshDatabase } from './lib/database.js';
import { inboundRequests, knownIdentities, sendFirstMessages, startBenchServer, type BenchServer } from './lib/server.js';

const CLIENTS = 32;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const IDENTITIES = 5000;

/** Messages per second with the clients split evenly over the servers, all at once; fails on any error. */
async function load(servers: BenchServer[], botId: string): Promise<{ rps: number; p99: number }> {
  const runs = await Promise.all(
    servers.map((s) =>
      autocannon({ url: `${s.base}/v1/inbound`, connections: CLIENTS / servers.length, duration: SECONDS, requests: inboundRequests(botId, IDENTITIES) }),
    ),
  );
  for (const run of runs) if (run.non2xx > 0 || run.errors > 0) throw new Error(`HTTP run had ${run.non2xx} non-2xx answers and ${run.errors} errors`);
  return { rps: runs.reduce((sum, r) => sum + r.requests.average, 0), p99: Math.max(...runs.map((r) => r.latency.p99)) };
}

const NEW_CLIENTS = 2000;

/**
 * Each of NEW_CLIENTS new clients' first message reaches every server at the same moment (16 clients at a
 * time): afterwards there must be exactly one identity and one contact per client, no contact left without
 * an identity, and every acknowledged message stored. Throws otherwise.
 */
async function raceFirstMessages(servers: BenchServer[], botId: string, url: string): Promise<string> {
  const users = Array.from({ length: NEW_CLIENTS }, (_, k) => `race-${k}`);
  const acked = await sendFirstMessages(
    servers.map((s) => s.base),
    botId,
    users,
    'first, to every server at once',
    16,
  );
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT count(*)::int AS identities, count(DISTINCT i.contact_id)::int AS contacts,
              (SELECT count(*)::int FROM messages m JOIN identities j ON j.project_id = m.project_id AND j.id = m.identity_id
                WHERE j.bot_id = $1 AND j.external_user_id LIKE 'race-%') AS messages,
              (SELECT count(*)::int FROM contacts c WHERE c.state = 'active'
                AND NOT EXISTS (SELECT 1 FROM identities x WHERE x.project_id = c.project_id AND x.contact_id = c.id)) AS bare
         FROM identities i WHERE i.bot_id = $1 AND i.external_user_id LIKE 'race-%'`,
      [botId],
    );
    const r = rows[0] as { identities: number; contacts: number; messages: number; bare: number };
    const expected = NEW_CLIENTS * servers.length;
    if (acked !== expected || r.identities !== NEW_CLIENTS || r.contacts !== NEW_CLIENTS || r.bare !== 0 || r.messages !== acked) {
      throw new Error(`first messages raced over ${servers.length} servers: ${acked}/${expected} acked, ${r.messages} stored, ${r.identities} identities and ${r.contacts} contacts for ${NEW_CLIENTS} clients, ${r.bare} contacts without an identity`);
    }
    return `${NEW_CLIENTS} new clients, each first message sent to both processes at once: ${r.identities} identities, ${r.contacts} contacts, ${r.messages} of ${acked} acknowledged messages stored`;
  } finally {
    await client.end();
  }
}

async function withServers<T>(count: number, env: Record<string, string>, work: (servers: BenchServer[]) => Promise<T>): Promise<T> {
  const servers: BenchServer[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await startBenchServer(env));
    return await work(servers);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

export const scaleOutBench: Bench = {
  name: 'scale-out',
  run: async (adminUrl) => {
    execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
    const db = await freshDatabase(adminUrl, 'omnimerge_bench_scale');
    const bouncerDir = mkdtempSync(join(tmpdir(), 'omnimerge-pgbouncer-'));
    try {
      const direct = { DATABASE_URL: db.url };
      const { botId } = await withServers(1, direct, ([s]) => knownIdentities(s.base, IDENTITIES));
      const one = await withServers(1, direct, (s) => load(s, botId));
      const two = await withServers(2, direct, (s) => load(s, botId));
      const race = await withServers(2, direct, (s) => raceFirstMessages(s, botId, db.url));
      const port = execFileSync('bash', ['.ci/pgbouncer', 'start', bouncerDir], { encoding: 'utf8' }).trim();
      const pooled = new URL(db.url);
      pooled.port = port;
      const viaBouncer = await withServers(2, { DATABASE_URL: pooled.toString(), OMNIMERGE_MIGRATION_DATABASE_URL: db.url }, (s) => load(s, botId));
      const { project_id } = await projectOf(db.url);
      const floor = await pgbench(db.url, { project: project_id, bot: botId, channel: 'telegram', text: 'hello again' }, IDENTITIES);

      console.log(`inbound resolution, known identity, ${CLIENTS} clients in all, ${SECONDS} s each, PostgreSQL`);
      console.log(`  one process                 : ${one.rps.toFixed(0)} messages/s (p99 ${one.p99} ms)`);
      console.log(`  two processes               : ${two.rps.toFixed(0)} messages/s (p99 ${two.p99} ms) = ${(two.rps / one.rps).toFixed(2)}× one`);
      console.log(`  two processes via PgBouncer : ${viaBouncer.rps.toFixed(0)} messages/s (p99 ${viaBouncer.p99} ms) = ${(viaBouncer.rps / one.rps).toFixed(2)}× one`);
      console.log(`  pgbench, same SQL           : ${floor.toFixed(0)} transactions/s; two processes = ${(two.rps / floor).toFixed(2)} of it`);
      console.log(`  one contact per client      : ${race}`);
      console.log(`  aim                         : two processes ≥ 1.0× one — ${two.rps >= one.rps ? 'met' : 'missed'}`);
    } finally {
      execFileSync('bash', ['.ci/pgbouncer', 'stop', bouncerDir]);
      await db.drop();
    }
  },
};
