// `npm run bench -- rules`: docs/rules.md at size. Imports BENCH_CONTACTS (default 1,000,000) generated contacts
// from a CSV, about 10% of them duplicates of an earlier row under one of three rules (phone written in
// another format, e-mail in another case, same account variable), then merges them (the import's bulk
// dedupe), on PostgreSQL. Floors, measured in the same run:
// - COPY: a plain PostgreSQL COPY of the same file into a table of the same columns, with no indexes,
//   normalization, rules or merges (printed for scale);
// - stored: a COPY of the contacts the import wrote, already normalized, into the contacts table of a
//   fresh database (its primary key, lookup indexes and foreign keys): what any import into this schema
//   writes, before it has read or checked a single value;
// - read: reading and normalizing the file in this process (CSV parsing, phones to E.164 through
//   libphonenumber), with no database.
// Growth: the same at 100,000 rows and at BENCH_CONTACTS; time per row may grow at most 25 %. The embedded
// default (PGlite with a data directory) imports the large file in a child process, whose peak RSS
// (process.resourceUsage().maxRSS, its worker threads included) is printed with its time.
import { closeSync, createReadStream, createWriteStream, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { sql } from 'kysely';
import { openContactFile } from '../src/cli/contact-file.js';
import { normalizeContactInput } from '../src/domain/contact.js';
import { openStore, type Store } from '../src/store/database.js';
import { createProject } from '../src/usecases/create-project.js';
import { importContacts } from '../src/usecases/import-contacts.js';
import { createMergeRule } from '../src/usecases/merge-rules.js';
import { freshDatabase } from './lib/database.js';
import type { Bench } from './run.js';

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 1_000_000);
const SMALL = 100_000;
const DUPLICATE_SHARE = 0.1;

/** A US number per person, unique up to 8,000,000 people; `format` picks one of four writings. */
function phone(person: number, format: number): string {
  const exchange = 200 + Math.floor(person / 10_000);
  const line = String(person % 10_000).padStart(4, '0');
  return [`+1 415 ${exchange} ${line}`, `(415) ${exchange}-${line}`, `415.${exchange}.${line}`, `1415${exchange}${line}`][format];
}

/** The CSV: person i is row i; a duplicate row repeats an earlier person under one rule only. Written in chunks, not held whole. */
export function writeContacts(path: string, contacts = CONTACTS): { duplicates: number } {
  const fd = openSync(path, 'w');
  let chunk = ['name,phone,email,variables.account'];
  const flush = () => {
    writeSync(fd, chunk.join('\n') + '\n');
    chunk = [];
  };
  let duplicates = 0;
  let persons = 0;
  let seed = 42;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  for (let row = 0; row < contacts; row++) {
    if (persons > 100 && random() < DUPLICATE_SHARE) {
      const p = Math.floor(random() * persons);
      const rule = row % 3;
      duplicates++;
      if (rule === 0) chunk.push(`Person ${p} again,${phone(p, 1 + (row % 3))},,`);
      else if (rule === 1) chunk.push(`Person ${p} again,,Person.${p}@Example.com,`);
      else chunk.push(`Person ${p} again,,,acct-${p}`);
    } else {
      const p = persons++;
      chunk.push(`Person ${p},${phone(p, 0)},person.${p}@example.com,acct-${p}`);
    }
    if (chunk.length >= 10_000) flush();
  }
  flush();
  closeSync(fd);
  return { duplicates };
}

async function copyFloor(url: string, path: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('CREATE TABLE floor_contacts (name text, phone text, email text, account text)');
  const started = performance.now();
  await pipeline(createReadStream(path), client.query(copyFrom('COPY floor_contacts FROM STDIN (FORMAT csv, HEADER true)')));
  const ms = performance.now() - started;
  await client.end();
  return ms;
}

const CONTACT_COLUMNS = 'project_id, id, name, phone, email, external_id, variables';

/** The imported contacts, as the import wrote them, copied into the contacts table of a fresh database. */
async function storedFloor(adminUrl: string, fromUrl: string, projectId: string, dir: string): Promise<number> {
  const dump = join(dir, 'contacts.copy');
  const from = new pg.Client({ connectionString: fromUrl });
  await from.connect();
  await pipeline(from.query(copyTo(`COPY (SELECT ${CONTACT_COLUMNS} FROM contacts WHERE project_id = '${projectId}' ORDER BY id) TO STDOUT`)), createWriteStream(dump));
  await from.end();

  const database = await freshDatabase(adminUrl, 'omnimerge_bench_floor');
  try {
    const store = await openStore({ databaseUrl: database.url, poolSize: 1 });
    await store.db.insertInto('projects').values({ project_id: projectId, name: 'floor' }).execute();
    await store.close();
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query('CHECKPOINT');
    const started = performance.now();
    await pipeline(createReadStream(dump), client.query(copyFrom(`COPY contacts (${CONTACT_COLUMNS}) FROM STDIN`)));
    const ms = performance.now() - started;
    await client.end();
    return ms;
  } finally {
    await database.drop();
  }
}

/** Reading and normalizing the file, as the import does, without writing it anywhere. */
async function readFloor(path: string): Promise<number> {
  const started = performance.now();
  for await (const row of openContactFile(path).rows) {
    if ('input' in row) normalizeContactInput(row.input, 'US');
  }
  return performance.now() - started;
}

/**
 * Peak resident memory of this process (its worker threads included) while `work` runs, sampled every
 * 50 ms, and what it held before: earlier benchmarks of the same run leave memory the process keeps.
 */
async function peakRss<T>(work: () => Promise<T>): Promise<{ result: T; peakMb: number; beforeMb: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  try {
    const result = await work();
    const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
    return { result, peakMb: mb(Math.max(peak, process.memoryUsage().rss)), beforeMb: mb(before) };
  } finally {
    clearInterval(timer);
  }
}

interface Run {
  size: number;
  duplicates: number;
  created: number;
  merged: number;
  active: string;
  importMs: number;
  dedupeMs: number;
  copyMs: number;
  storedMs: number;
  readMs: number;
  peakMb: number;
}

/** A project with the three rules, US numbers and max_shared 20, on `store`. */
async function benchProject(store: Store): Promise<string> {
  const { project_id } = await createProject(store, 'bench');
  await store.db.updateTable('projects').set({ default_region: 'US', max_shared: 20 }).where('project_id', '=', project_id).execute();
  for (const fields of [['phone'], ['email'], ['variables.account']]) await createMergeRule(store, project_id, fields);
  return project_id;
}

/** Import + dedupe of `path` into a fresh project of `store`: the load's time, the dedupe's, and what it did. */
async function timedImport(store: Store, projectId: string, path: string) {
  let loadedAt = 0;
  const started = performance.now();
  const summary = await importContacts(store, projectId, openContactFile(path).rows, {
    loaded: () => {
      loadedAt = performance.now();
    },
  });
  const totalMs = performance.now() - started;
  const importMs = (loadedAt || performance.now()) - started;
  return { summary, importMs, dedupeMs: totalMs - importMs };
}

/** One size on PostgreSQL, with its floors. */
async function runOnPostgres(adminUrl: string, size: number): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'omnimerge-bench-'));
  const path = join(dir, 'contacts.csv');
  const { duplicates } = writeContacts(path, size);
  const database = await freshDatabase(adminUrl, 'omnimerge_bench_rules');
  try {
    const copyMs = await copyFloor(database.url, path);
    const store = await openStore({ databaseUrl: database.url, poolSize: 4 });
    const projectId = await benchProject(store);
    await sql`CHECKPOINT`.execute(store.db);
    const { result, peakMb } = await peakRss(() => timedImport(store, projectId, path));
    const active = await countActive(store, projectId);
    await store.close();
    const storedMs = await storedFloor(adminUrl, database.url, projectId, dir);
    const readMs = await readFloor(path);
    const { summary, importMs, dedupeMs } = result;
    return { size, duplicates, created: summary.created, merged: summary.merged, active, importMs, dedupeMs, copyMs, storedMs, readMs, peakMb };
  } finally {
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function countActive(store: Store, projectId: string): Promise<string> {
  const row = await store.db.selectFrom('contacts').select((eb) => eb.fn.countAll<string>().as('n')).where('project_id', '=', projectId).where('state', '=', 'active').executeTakeFirstOrThrow();
  return row.n;
}

/** The embedded default: the same import into PGlite with a data directory, in this (child) process; prints its figures as JSON. */
async function runEmbedded(path: string, dataDir: string): Promise<void> {
  const store = await openStore({ dataDir });
  const projectId = await benchProject(store);
  const { summary, importMs, dedupeMs } = await timedImport(store, projectId, path);
  const active = await countActive(store, projectId);
  await store.close();
  const maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(JSON.stringify({ importMs, dedupeMs, created: summary.created, merged: summary.merged, active, maxRssMb }));
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const perRowUs = (run: Run) => ((run.importMs + run.dedupeMs) * 1000) / run.size;

function printRun(run: Run): void {
  const totalMs = run.importMs + run.dedupeMs;
  console.log(`${run.size} rows, ${run.duplicates} duplicates generated; created ${run.created}, merged ${run.merged}; active contacts ${run.active}`);
  console.log(`  floor, COPY of the file into a bare table:        ${s(run.copyMs).padStart(8)}`);
  console.log(`  floor, COPY of the imported rows into contacts:   ${s(run.storedMs).padStart(8)}`);
  console.log(`  floor, reading and normalizing the file (no db):  ${s(run.readMs).padStart(8)}`);
  console.log(`  import (read, normalize, write):                  ${s(run.importMs).padStart(8)}`);
  console.log(`  dedupe (find clusters, merge):                    ${s(run.dedupeMs).padStart(8)}`);
  console.log(`  import + dedupe:                                  ${s(totalMs).padStart(8)}`);
  console.log(`    = ${(totalMs / run.storedMs).toFixed(2)}× the COPY into contacts (aim ≤ 2×), ${(totalMs / run.copyMs).toFixed(1)}× the bare COPY`);
  console.log(`  peak rss of this process during the import:       ${String(run.peakMb).padStart(5)} MB (aim < 1024 MB)`);
}

export const rulesBench: Bench = {
  name: 'rules',
  run: async (adminUrl) => {
    const sizes = CONTACTS > SMALL ? [SMALL, CONTACTS] : [CONTACTS];
    const runs: Run[] = [];
    for (const size of sizes) {
      runs.push(await runOnPostgres(adminUrl, size));
      printRun(runs.at(-1)!);
    }

    console.log('\nPostgreSQL, import + dedupe (rss: sampled peak of the bench process, which imports in-process)');
    console.log('      size   import s   dedupe s   per row µs   × stored floor   rss MB');
    for (const run of runs) {
      console.log(
        `${String(run.size).padStart(10)} ${(run.importMs / 1000).toFixed(1).padStart(10)} ${(run.dedupeMs / 1000).toFixed(1).padStart(10)} ${perRowUs(run).toFixed(1).padStart(12)} ${((run.importMs + run.dedupeMs) / run.storedMs).toFixed(2).padStart(16)} ${String(run.peakMb).padStart(8)}`,
      );
    }
    if (runs.length === 2) console.log(`growth of the time per row, ${runs[0].size} → ${runs[1].size}: ${((perRowUs(runs[1]) / perRowUs(runs[0]) - 1) * 100).toFixed(0)} % (aim ≤ 25 %)`);

    const dir = mkdtempSync(join(tmpdir(), 'omnimerge-bench-embedded-'));
    try {
      const path = join(dir, 'contacts.csv');
      writeContacts(path, CONTACTS);
      const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'embedded', path, join(dir, 'data')], { encoding: 'utf8', maxBuffer: 2 ** 24 });
      const e = JSON.parse(out.trim().split('\n').at(-1)!) as { importMs: number; dedupeMs: number; created: number; merged: number; active: string; maxRssMb: number };
      const pg = runs.at(-1)!;
      console.log(`\nembedded (PGlite, data directory), ${CONTACTS} rows in a child process: created ${e.created}, merged ${e.merged}, active ${e.active}`);
      console.log(`  import ${s(e.importMs)}, dedupe ${s(e.dedupeMs)}, import + dedupe ${s(e.importMs + e.dedupeMs)} (${((e.importMs + e.dedupeMs) / (pg.importMs + pg.dedupeMs)).toFixed(2)}× PostgreSQL)`);
      console.log(`  peak rss of the child (maxRSS): ${e.maxRssMb} MB (aim < 2048 MB)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

if (process.argv[2] === 'embedded' && process.argv[1] === fileURLToPath(import.meta.url)) await runEmbedded(process.argv[3], process.argv[4]);
