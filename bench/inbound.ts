// Inbound resolution throughput (POST /v1/inbound, known identity, 32 clients), each figure beside a floor
// measured in the same run on the same data:
//  - PostgreSQL: the server over HTTP against pgbench running the very statements the server sends per
//    message (BEGIN, touch the identity, store the message, COMMIT) on the same database;
//  - embedded: the server over HTTP on a PGlite data folder against the same statements run one after
//    the other in this process on the same folder (no HTTP, no Kysely): what the engine itself allows;
//  - growth: the same with 10 thousand and with a million known identities in the tables;
//  - with BENCH_NETWORK_DELAY_MS set: PostgreSQL across a network (a relay holding each chunk that long each
//    way), the server and pgbench both through it, at 32 clients and at one.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { DummyDriver, Kysely, type DatabaseConnection, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql, type RawBuilder } from 'kysely';
import { newId } from '../src/ids.js';
import { openStore, type Store } from '../src/store/database.js';
import { touchKnownIdentityQuery, type ProfileValues } from '../src/store/identities.js';
import { insertInboundMessageQuery } from '../src/store/messages.js';
import { embeddedDialect } from '../src/store/pglite-driver.js';
import type { Bench } from './run.js';
import { describeCpu, withCpuSplit, type CpuSplit } from './lib/cpu.js';
import { freshDatabase } from './lib/database.js';
import { startRelay } from './lib/relay.js';
import { benchProject, inboundLoad, seedKnownIdentities, startBenchServer, type HttpLoad } from './lib/server.js';

const CLIENTS = 32;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARM_UP_SECONDS = Math.min(3, SECONDS);
const SMALL = 10_000;
const LARGE = 1_000_000;
/** BENCH_INBOUND=postgresql or =embedded measures only that database */
const ONLY = process.env.BENCH_INBOUND ?? '';
if (!['', 'postgresql', 'embedded'].includes(ONLY)) throw new Error(`BENCH_INBOUND is postgresql or embedded, not "${ONLY}"`);
/** the embedded database takes about five minutes to load a million identities: BENCH_EMBEDDED_MILLION=1 measures it too */
const EMBEDDED_LARGE = process.env.BENCH_EMBEDDED_MILLION === '1';
/** BENCH_NETWORK_DELAY_MS=1: also measures PostgreSQL behind a relay that delays each chunk this long each way */
const NETWORK_DELAY_MS = Number(process.env.BENCH_NETWORK_DELAY_MS ?? 0);
if (!(NETWORK_DELAY_MS >= 0)) throw new Error(`BENCH_NETWORK_DELAY_MS is a number of milliseconds, not "${process.env.BENCH_NETWORK_DELAY_MS}"`);
const NO_PROFILE: ProfileValues = { name: null, username: null, phone: null, email: null };
const TEXT = 'hello again';

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

/** What the server sends for a message of a known identity (test/inbound.test.ts holds it to these four). */
function pgbenchScript(identities: number): string {
  const touch = asPgbench(touchKnownIdentityQuery({ projectId: ':project', botId: ':bot', externalUserId: ':user' }, NO_PROFILE) as RawBuilder<unknown>);
  const store = asPgbench(
    insertInboundMessageQuery(
      { projectId: ':project', contactId: ':contact_id', botId: ':bot', channel: ':channel', identityId: ':identity_id', text: ':text', payload: null, externalMessageId: null, referral: null },
      { conversationId: '@uuid', messageId: '@uuid' },
    ) as RawBuilder<unknown>,
    { '@uuid': 'gen_random_uuid()' },
  );
  return ['\\set user random(1, ' + identities + ')', 'BEGIN;', `${touch} \\gset`, `${store};`, 'COMMIT;', ''].join('\n');
}

/**
 * pgbench with `clients` connections running the server's statements for `SECONDS`; answers transactions/s.
 * It runs beside this process's event loop, which may be relaying its connections.
 */
export async function pgbench(url: string, vars: Record<string, string>, identities: number, clients = CLIENTS): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'omnimerge-bench-'));
  const script = join(dir, 'inbound.sql');
  writeFileSync(script, pgbenchScript(identities));
  const u = new URL(url);
  const args = ['-n', '-M', 'extended', '-c', String(clients), '-j', String(Math.min(2, clients)), '-T', String(SECONDS), '-f', script];
  for (const [k, v] of Object.entries(vars)) args.push('-D', `${k}=${v}`);
  args.push('-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username) || 'postgres', u.pathname.slice(1));
  let out: string;
  try {
    out = (await promisify(execFile)('pgbench', args, { encoding: 'utf8' })).stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const failed = /number of failed transactions: (\d+)/.exec(out);
  if (failed && Number(failed[1]) > 0) throw new Error(`pgbench had failed transactions:\n${out}`);
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(out);
  if (!tps) throw new Error(`could not read pgbench output:\n${out}`);
  return Number(tps[1]);
}

/**
 * The embedded floor: on PGlite opened directly on the server's data folder (the server stopped), the
 * server's statements for a known identity as its driver sends them (BEGIN, touch, store, COMMIT; the two
 * statements prepared once), one message after the other for `SECONDS`, with no HTTP and no Kysely
 * query building or transaction wrapper; answers messages/s.
 */
async function pgliteFloor(dataDir: string, bench: { projectId: string; botId: string }, identities: number): Promise<number> {
  const pglite = new PGlite(join(dataDir, 'pgdata'));
  await pglite.waitReady;
  const driver = embeddedDialect(pglite).dialect.createDriver();
  const connection = (await driver.acquireConnection()) as DatabaseConnection & { command: (sql: string) => Promise<void> };
  const message = async () => {
    const user = String(1 + Math.floor(Math.random() * identities));
    await connection.command('begin');
    const touch = await connection.executeQuery<Record<string, string>>(touchKnownIdentityQuery({ projectId: bench.projectId, botId: bench.botId, externalUserId: user }, NO_PROFILE).compile(COMPILER));
    const identity = touch.rows[0];
    const m = { projectId: bench.projectId, contactId: identity.contact_id, botId: bench.botId, channel: 'telegram', identityId: identity.identity_id, text: TEXT, payload: null, externalMessageId: null, referral: null };
    await connection.executeQuery(insertInboundMessageQuery(m, { conversationId: newId(), messageId: newId() }).compile(COMPILER));
    await connection.command('commit');
  };
  const during = async (seconds: number) => {
    let count = 0;
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end) {
      await message();
      count++;
    }
    return count / seconds;
  };
  try {
    await during(WARM_UP_SECONDS);
    return await during(SECONDS);
  } finally {
    await driver.destroy();
  }
}

/** The server started on `env`, warmed up, then loaded by `clients` clients for `SECONDS`; with where the CPU went meanwhile. */
async function serverLoad(env: Record<string, string>, botId: string, identities: number, clients = CLIENTS): Promise<{ http: HttpLoad; cpu?: CpuSplit }> {
  const server = await startBenchServer(env);
  try {
    await inboundLoad(server.base, botId, identities, clients, WARM_UP_SECONDS);
    const { result: http, cpu } = await withCpuSplit(server.pid, () => inboundLoad(server.base, botId, identities, clients, SECONDS));
    return { http, cpu };
  } finally {
    await server.stop();
  }
}

/** A store opened only to load data, closed (the embedded one must be, before a server opens its folder). */
async function withStore<T>(options: Parameters<typeof openStore>[0], work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(options);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** A row as soon as it is measured: a long run shows its progress. */
function report(rows: Row[], row: Row): void {
  rows.push(row);
  console.log(`${row.database}, ${n(row.identities)} identities: ${n(row.http.rps)} msg/s over HTTP, ${row.floorName} ${n(row.floor)}/s`);
}

interface Row {
  database: string;
  identities: number;
  http: HttpLoad;
  floorName: string;
  floor: number;
  aim: number;
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const perMessage = (load: HttpLoad) => 1000 / load.rps;

function printTable(rows: Row[]): void {
  const width = Math.max(24, ...rows.map((r) => r.database.length));
  console.log(`\ninbound messages, known identity, ${CLIENTS} clients unless the row says otherwise, ${SECONDS} s per figure (after ${WARM_UP_SECONDS} s warm-up)`);
  console.log(`${'database'.padEnd(width)} | identities | omnimerge over HTTP         | floor, same statements           | ratio | aim`);
  console.log(`${'-'.repeat(width)}-|-----------:|-----------------------------|----------------------------------|------:|------`);
  for (const r of rows) {
    const http = `${n(r.http.rps)} msg/s (p99 ${r.http.p99} ms)`;
    const floor = `${r.floorName} ${n(r.floor)}/s`;
    console.log(`${r.database.padEnd(width)} | ${n(r.identities).padStart(10)} | ${http.padEnd(28)}| ${floor.padEnd(33)}| ${(r.http.rps / r.floor).toFixed(2).padStart(5)} | ≥ ${r.aim}`);
  }
}

function printGrowth(label: string, small: Row | undefined, large: Row | undefined): void {
  if (!small || !large) return;
  const growth = perMessage(large.http) / perMessage(small.http) - 1;
  const floorGrowth = small.floor / large.floor - 1;
  console.log(
    `growth ${label}: ${perMessage(small.http).toFixed(3)} ms → ${perMessage(large.http).toFixed(3)} ms per message from ${n(small.identities)} to ${n(large.identities)} identities ` +
      `= ${(growth * 100).toFixed(0)} % (aim ≤ 25 %; its floor ${(floorGrowth * 100).toFixed(0)} %)`,
  );
}

export const inboundBench: Bench = {
  name: 'inbound',
  run: async (adminUrl) => {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
    const rows: Row[] = [];

    // PostgreSQL, 10 thousand then a million known identities
    if (ONLY !== 'embedded') {
      const db = await freshDatabase(adminUrl, 'omnimerge_bench_inbound');
      try {
        const bench = await withStore({ databaseUrl: db.url, poolSize: 2 }, async (store) => {
          const made = await benchProject(store);
          await seedKnownIdentities(store, made, 1, SMALL);
          await sql`VACUUM ANALYZE`.execute(store.db);
          return made;
        });
        const vars = { project: bench.projectId, bot: bench.botId, channel: 'telegram', text: TEXT };
        const measure = async (identities: number) => {
          const { http, cpu } = await serverLoad({ DATABASE_URL: db.url }, bench.botId, identities);
          const floor = await withCpuSplit(undefined, async () => pgbench(db.url, vars, identities));
          report(rows, { database: 'PostgreSQL', identities, http, floorName: 'pgbench', floor: floor.result, aim: 0.8 });
          console.log(`  CPU during the HTTP figure: ${describeCpu(cpu)}`);
          console.log(`  CPU during pgbench: idle ${floor.cpu ? `${floor.cpu.idle} %` : 'not available'}`);
        };
        await measure(SMALL);
        if (NETWORK_DELAY_MS > 0) {
          const relay = await startRelay(db.url, { delayMs: NETWORK_DELAY_MS });
          try {
            for (const clients of [CLIENTS, 1]) {
              const { http } = await serverLoad({ DATABASE_URL: relay.url }, bench.botId, SMALL, clients);
              const floor = await pgbench(relay.url, vars, SMALL, clients);
              report(rows, { database: `PostgreSQL +${NETWORK_DELAY_MS} ms each way, ${clients} client${clients === 1 ? '' : 's'}`, identities: SMALL, http, floorName: 'pgbench', floor, aim: 0.8 });
            }
          } finally {
            await relay.close();
          }
        }
        const started = performance.now();
        await withStore({ databaseUrl: db.url, poolSize: 2 }, async (store) => {
          await seedKnownIdentities(store, bench, SMALL + 1, LARGE);
          await sql`VACUUM ANALYZE`.execute(store.db);
        });
        console.log(`PostgreSQL: ${n(LARGE - SMALL)} more identities loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
        await measure(LARGE);
      } finally {
        await db.drop();
      }
    }

    // embedded: a data folder as a user's default ./data, 10 thousand then (optionally) a million
    if (ONLY !== 'postgresql') {
      const dataDir = mkdtempSync(join(tmpdir(), 'omnimerge-bench-embedded-'));
      try {
        const bench = await withStore({ dataDir }, async (store) => {
          const made = await benchProject(store);
          await seedKnownIdentities(store, made, 1, SMALL);
          return made;
        });
        const measure = async (identities: number) => {
          const { http, cpu } = await serverLoad({ DATABASE_URL: '', OMNIMERGE_DATA_DIR: dataDir }, bench.botId, identities);
          report(rows, { database: 'embedded (PGlite folder)', identities, http, floorName: 'PGlite in-process', floor: await pgliteFloor(dataDir, bench, identities), aim: 0.6 });
          console.log(`  CPU during the HTTP figure: ${describeCpu(cpu)}`);
        };
        await measure(SMALL);
        if (EMBEDDED_LARGE) {
          const started = performance.now();
          await withStore({ dataDir }, (store) => seedKnownIdentities(store, bench, SMALL + 1, LARGE));
          console.log(`embedded: ${n(LARGE - SMALL)} more identities loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
          await measure(LARGE);
        }
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    }

    printTable(rows);
    const pg = rows.filter((r) => r.database === 'PostgreSQL');
    const embedded = rows.filter((r) => r.database.startsWith('embedded'));
    if (pg[0] && embedded[0]) console.log(`embedded over HTTP = ${(embedded[0].http.rps / pg[0].http.rps).toFixed(2)}× the same server on PostgreSQL (aim ≥ 0.5)`);
    printGrowth('on PostgreSQL', pg[0], pg[1]);
    printGrowth('embedded', embedded[0], embedded[1]);
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
