import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/store/database.js';
import { generateApiKey } from '../src/domain/api-keys.js';
import { ensureProjectForKey } from '../src/usecases/create-project.js';
import { runCli, spawnCli } from './helpers/process.js';

// `omnimerge import` killed with SIGKILL in the middle and run again on the same file writes no second
// copy of a row (README, "Importing"). On the database `serve` would use: PostgreSQL when DATABASE_URL
// is set, otherwise an embedded PGlite in a folder on disk, which the killed process leaves as it was.

const ROWS = 30_000;
const dir = mkdtempSync(join(tmpdir(), 'omnimerge-resume-'));
const database = process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : { dataDir: join(dir, 'data') };
const dbFlags = process.env.DATABASE_URL ? ['--database-url', process.env.DATABASE_URL] : ['--data-dir', join(dir, 'data')];

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function withStore<T>(work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(database);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

const counts = (projectId: string) =>
  withStore(async (store) => {
    const row = await store.db
      .selectFrom('contacts')
      .select((eb) => [eb.fn.countAll<number>().as('contacts'), eb.fn.count<number>('email').distinct().as('emails')])
      .where('project_id', '=', projectId)
      .executeTakeFirstOrThrow();
    return { contacts: Number(row.contacts), emails: Number(row.emails) };
  });

/** Runs the import and kills it (SIGKILL) once the progress shows some contacts written but not all; answers how many it showed. */
function importAndKill(path: string, apiKey: string): Promise<{ shown: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(['import', path, ...dbFlags], { OMNIMERGE_API_KEY: apiKey });
    let output = '';
    let shown = 0;
    const onOutput = (chunk: Buffer) => {
      output += chunk.toString();
      const created = [...output.matchAll(/(\d+) contacts created/g)].map((m) => Number(m[1]));
      const last = created.at(-1) ?? 0;
      if (shown === 0 && last > 0 && last < ROWS) {
        shown = last;
        child.kill('SIGKILL');
      }
    };
    child.stdout!.on('data', onOutput);
    child.stderr!.on('data', onOutput);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ shown, output });
      else reject(new Error(`the import ended (${code}) before it could be killed mid-way:\n${output}`));
    });
  });
}

describe('omnimerge import after a crash', () => {
  it('killed mid-way and run again on the same file, writes every row exactly once', async () => {
    const apiKey = generateApiKey();
    const projectId = await withStore(async (store) => (await ensureProjectForKey(store, apiKey)).project_id);
    const path = join(dir, 'people.csv');
    writeFileSync(path, ['name,email,tags', ...Array.from({ length: ROWS }, (_, i) => `Person ${i},person${i}@example.com,t${i % 7}`)].join('\n') + '\n');

    const killed = await importAndKill(path, apiKey);
    const afterKill = await counts(projectId);
    console.log(`import of ${ROWS} rows killed after the progress showed ${killed.shown}; ${afterKill.contacts} contacts were committed`);
    expect(afterKill.contacts).toBeGreaterThanOrEqual(killed.shown);
    expect(afterKill.contacts).toBeLessThan(ROWS);

    const again = await runCli(['import', path, '--no-progress', ...dbFlags], { OMNIMERGE_API_KEY: apiKey });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('resuming the import of this file');
    expect(again.stdout).toContain(`created: ${ROWS - afterKill.contacts}\n`);
    expect(again.stdout).toContain(`already imported: ${afterKill.contacts}\n`);
    expect(await counts(projectId)).toEqual({ contacts: ROWS, emails: ROWS });
    console.log(`re-run: ${again.stdout.split('\n').slice(0, 3).join(' | ')}`);

    // a third run of a finished import writes nothing
    const third = await runCli(['import', path, '--no-progress', ...dbFlags], { OMNIMERGE_API_KEY: apiKey });
    expect(third.code, third.stderr).toBe(0);
    expect(third.stdout).toContain('this file was imported on');
    expect(third.stdout).toContain('created: 0\n');
    expect(await counts(projectId)).toEqual({ contacts: ROWS, emails: ROWS });
    const tags = await withStore((store) => store.db.selectFrom('contact_tags').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', projectId).executeTakeFirstOrThrow());
    expect(Number(tags.n)).toBe(ROWS);
  }, 600_000);
});
