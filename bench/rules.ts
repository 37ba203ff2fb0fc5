// `npm run bench -- rules`: docs/rules.md at size. Imports BENCH_CONTACTS (default 1,000,000) generated contacts
// from a CSV, about 10% of them duplicates of an earlier row under one of three rules (phone written in
// another format, e-mail in another case, same account variable), then merges them (the import's bulk
// dedupe), on PostgreSQL. Floors, measured in the same run:
// - COPY: a plain PostgreSQL COPY of the same file into a table of the same columns, with no indexes,
//   normalization, rules or merges (the floor the issue names);
// - stored: a COPY of the contacts the import wrote, already normalized, into the contacts table of a
//   fresh database (its primary key, lookup indexes and foreign keys): what any import into this schema
//   writes, before it has read or checked a single value;
// - read: reading and normalizing the file in this process (CSV parsing, phones to E.164 through
//   libphonenumber), with no database.
import { closeSync, createReadStream, createWriteStream, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { sql } from 'kysely';
import { openContactFile } from '../src/cli/contact-file.js';
import { normalizeContactInput } from '../src/domain/contact.js';
import { openStore } from '../src/store/database.js';
import { createProject } from '../src/usecases/create-project.js';
import { importContacts } from '../src/usecases/import-contacts.js';
import { createMergeRule } from '../src/usecases/merge-rules.js';
import { freshDatabase } from './lib/database.js';
import type { Bench } from './run.js';

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 1_000_000);
const DUPLICATE_SHARE = 0.1;

/** A US number per person, unique up to 8,000,000 people; `format` picks one of four writings. */
function phone(person: number, format: number): string {
  const exchange = 200 + Math.floor(person / 10_000);
  const line = String(person % 10_000).padStart(4, '0');
  return [`+1 415 ${exchange} ${line}`, `(415) ${exchange}-${line}`, `415.${exchange}.${line}`, `1415${exchange}${line}`][format];
}

/** The CSV: person i is row i; a duplicate row repeats an earlier person under one rule only. Written in chunks, not held whole. */
function writeContacts(path: string): { duplicates: number } {
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
  for (let row = 0; row < CONTACTS; row++) {
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

export const rulesBench: Bench = {
  name: 'rules',
  run: async (adminUrl) => {
    const dir = mkdtempSync(join(tmpdir(), 'omnimerge-bench-'));
    const path = join(dir, 'contacts.csv');
    const { duplicates } = writeContacts(path);
    const database = await freshDatabase(adminUrl, 'omnimerge_bench_rules');
    try {
      const copyMs = await copyFloor(database.url, path);

      const store = await openStore({ databaseUrl: database.url, poolSize: 4 });
      const { project_id } = await createProject(store, 'bench');
      await store.db.updateTable('projects').set({ default_region: 'US', max_shared: 20 }).where('project_id', '=', project_id).execute();
      for (const fields of [['phone'], ['email'], ['variables.account']]) await createMergeRule(store, project_id, fields);

      let loadedAt = 0;
      await sql`CHECKPOINT`.execute(store.db);
      const started = performance.now();
      const { result: summary, peakMb, beforeMb } = await peakRss(() =>
        importContacts(store, project_id, openContactFile(path).rows, {
          loaded: () => {
            loadedAt = performance.now();
          },
        }),
      );
      const totalMs = performance.now() - started;
      const loadMs = (loadedAt || performance.now()) - started;
      const active = await store.db.selectFrom('contacts').select((eb) => eb.fn.countAll<string>().as('n')).where('project_id', '=', project_id).where('state', '=', 'active').executeTakeFirstOrThrow();
      await store.close();
      const storedMs = await storedFloor(adminUrl, database.url, project_id, dir);
      const readMs = await readFloor(path);

      const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`.padStart(7);
      console.log(`${CONTACTS} rows, ${duplicates} duplicates generated; created ${summary.created}, merged ${summary.merged}, refused ${summary.refused.length}; active contacts ${active.n}`);
      console.log(`floor, COPY of the file into a bare table:        ${s(copyMs)}`);
      console.log(`floor, COPY of the imported rows into contacts:   ${s(storedMs)}`);
      console.log(`floor, reading and normalizing the file (no db):  ${s(readMs)}`);
      console.log(`import (read, normalize, write):                  ${s(loadMs)}`);
      console.log(`dedupe (find clusters, merge):                    ${s(totalMs - loadMs)}`);
      console.log(`import + dedupe:                                  ${s(totalMs)}`);
      console.log(`  = ${(totalMs / copyMs).toFixed(1)}× the bare COPY (aim ≤ 3×), ${(totalMs / storedMs).toFixed(1)}× the COPY into contacts, ${(totalMs / Math.max(storedMs, readMs)).toFixed(1)}× the larger of those two floors`);
      console.log(`peak memory (rss):                                ${String(peakMb).padStart(5)} MB (aim < 2048 MB; the process held ${beforeMb} MB before the import)`);
    } finally {
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
