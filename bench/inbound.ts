// Inbound resolution throughput over HTTP with 32 clients, beside pgbench running the same two statements
// (find-and-touch the identity, store the message) in the same transaction shape on the same database.
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type RawBuilder } from 'kysely';
import { insertInboundMessageQuery } from '../src/store/messages.js';
import { touchKnownIdentityQuery } from '../src/store/identities.js';
import type { Bench } from './run.js';
import { freshDatabase } from './lib/database.js';
import { inboundRequests, knownIdentities, startBenchServer } from './lib/server.js';

const CLIENTS = 32;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const IDENTITIES = 5000;

// Kysely without a connection: it only compiles statements to PostgreSQL text.
const COMPILER = new Kysely<unknown>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

/**
 * The statement as the server sends it, with its parameters turned into pgbench variables: a parameter whose
 * value is `:name` becomes `:name`, null becomes NULL, anything else is an error (the floor must not cheat).
 */
function asPgbench(query: RawBuilder<unknown>, raw: Record<string, string> = {}): string {
  const compiled = query.compile(COMPILER);
  const text = compiled.sql.replace(/\$(\d+)\b/g, (_, n) => {
    const value = compiled.parameters[Number(n) - 1];
    if (value === null) return 'NULL';
    if (typeof value === 'string' && value in raw) return raw[value];
    if (typeof value === 'string' && value.startsWith(':')) return value;
    throw new Error(`unexpected parameter ${String(value)}`);
  });
  return text.replace(/\s+/g, ' ').trim();
}

function pgbenchScript(): string {
  const noProfile = { name: null, username: null, phone: null, email: null };
  const touch = asPgbench(touchKnownIdentityQuery({ projectId: ':project', botId: ':bot', externalUserId: ':user' }, noProfile) as RawBuilder<unknown>);
  const store = asPgbench(
    insertInboundMessageQuery(
      { projectId: ':project', contactId: ':contact_id', botId: ':bot', channel: ':channel', identityId: ':identity_id', text: ':text', payload: null, externalMessageId: null },
      { conversationId: '@uuid', messageId: '@uuid' },
    ) as RawBuilder<unknown>,
    { '@uuid': 'gen_random_uuid()' },
  );
  return ['\\set user random(1, ' + IDENTITIES + ')', 'BEGIN;', `${touch} \\gset`, `${store};`, 'COMMIT;', ''].join('\n');
}

export function pgbench(url: string, vars: Record<string, string>): number {
  const dir = mkdtempSync(join(tmpdir(), 'omnimerge-bench-'));
  const script = join(dir, 'inbound.sql');
  writeFileSync(script, pgbenchScript());
  const u = new URL(url);
  const args = ['-n', '-M', 'extended', '-c', String(CLIENTS), '-j', '2', '-T', String(SECONDS), '-f', script];
  for (const [k, v] of Object.entries(vars)) args.push('-D', `${k}=${v}`);
  args.push('-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username) || 'postgres', u.pathname.slice(1));
  const out = execFileSync('pgbench', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const failed = /number of failed transactions: (\d+)/.exec(out);
  if (failed && Number(failed[1]) > 0) throw new Error(`pgbench had failed transactions:\n${out}`);
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(out);
  if (!tps) throw new Error(`could not read pgbench output:\n${out}`);
  return Number(tps[1]);
}

export const inboundBench: Bench = {
  name: 'inbound',
  run: async (adminUrl) => {
    execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
    const db = await freshDatabase(adminUrl, 'omnimerge_bench_inbound');
    const server = await startBenchServer({ DATABASE_URL: db.url });
    try {
      // Every identity writes once first, so the measured path is the common one: a known identity.
      const bot = await knownIdentities(server.base, IDENTITIES);
      const { project_id } = await projectOf(db.url);

      const http = await autocannon({
        url: `${server.base}/v1/inbound`,
        connections: CLIENTS,
        duration: SECONDS,
        requests: inboundRequests(bot.botId, IDENTITIES),
      });
      if (http.non2xx > 0 || http.errors > 0) throw new Error(`HTTP run had ${http.non2xx} non-2xx answers and ${http.errors} errors`);
      const httpRps = http.requests.average;
      const floor = pgbench(db.url, { project: project_id, bot: bot.botId, channel: 'telegram', text: 'hello again' });

      console.log(`inbound resolution, known identity, ${CLIENTS} clients, ${SECONDS} s each, PostgreSQL`);
      console.log(`  omnimerge over HTTP : ${httpRps.toFixed(0)} messages/s (p50 ${http.latency.p50} ms, p99 ${http.latency.p99} ms)`);
      console.log(`  pgbench, same SQL   : ${floor.toFixed(0)} transactions/s`);
      console.log(`  ratio               : ${(httpRps / floor).toFixed(2)} of the floor (aim ≥ 0.5)`);
    } finally {
      await server.stop();
      await db.drop();
    }
  },
};

export async function projectOf(url: string): Promise<{ project_id: string }> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query('SELECT project_id FROM projects LIMIT 1');
  await client.end();
  return rows[0];
}
