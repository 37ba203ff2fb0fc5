// Inbound throughput of one server process against two on the same PostgreSQL, directly and through
// PgBouncer in transaction pooling mode (docs/scaling.md), beside pgbench running the server's own SQL.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { pgbench, projectOf } from './inbound.js';
import type { Bench } from './run.js';
import { freshDatabase } from './lib/database.js';
import { inboundRequests, knownIdentities, startBenchServer, type BenchServer } from './lib/server.js';

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
      const port = execFileSync('bash', ['.ci/pgbouncer', 'start', bouncerDir], { encoding: 'utf8' }).trim();
      const pooled = new URL(db.url);
      pooled.port = port;
      const viaBouncer = await withServers(2, { DATABASE_URL: pooled.toString(), OMNIMERGE_MIGRATION_DATABASE_URL: db.url }, (s) => load(s, botId));
      const { project_id } = await projectOf(db.url);
      const floor = pgbench(db.url, { project: project_id, bot: botId, channel: 'telegram', text: 'hello again' }, IDENTITIES);

      console.log(`inbound resolution, known identity, ${CLIENTS} clients in all, ${SECONDS} s each, PostgreSQL`);
      console.log(`  one process                 : ${one.rps.toFixed(0)} messages/s (p99 ${one.p99} ms)`);
      console.log(`  two processes               : ${two.rps.toFixed(0)} messages/s (p99 ${two.p99} ms) = ${(two.rps / one.rps).toFixed(2)}× one`);
      console.log(`  two processes via PgBouncer : ${viaBouncer.rps.toFixed(0)} messages/s (p99 ${viaBouncer.p99} ms) = ${(viaBouncer.rps / one.rps).toFixed(2)}× one`);
      console.log(`  pgbench, same SQL           : ${floor.toFixed(0)} transactions/s; two processes = ${(two.rps / floor).toFixed(2)} of it`);
    } finally {
      execFileSync('bash', ['.ci/pgbouncer', 'stop', bouncerDir]);
      await db.drop();
    }
  },
};
