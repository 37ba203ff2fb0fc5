import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/store/database.js';
import { generateApiKey } from '../src/domain/api-keys.js';
import { ensureProjectForKey } from '../src/usecases/create-project.js';
import { createMergeRule } from '../src/usecases/merge-rules.js';
import { runCli } from './helpers/process.js';

// `omnimerge import` and `omnimerge dedupe` in their own process, on the database `serve` would use:
// PostgreSQL when DATABASE_URL is set, otherwise an embedded PGlite in a temporary folder (which only one
// process may open at a time, so the test closes its store around each run).

const dir = mkdtempSync(join(tmpdir(), 'omnimerge-import-'));
const database = process.env.DATABASE_URL
  ? { databaseUrl: process.env.DATABASE_URL, migrationDatabaseUrl: process.env.OMNIMERGE_MIGRATION_DATABASE_URL }
  : { dataDir: join(dir, 'data') };
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

/** A project with region US and rules phone, email; answers its key and id. */
async function project(): Promise<{ apiKey: string; projectId: string }> {
  const apiKey = generateApiKey();
  return withStore(async (store) => {
    const { project_id } = await ensureProjectForKey(store, apiKey);
    await store.db.updateTable('projects').set({ default_region: 'US' }).where('project_id', '=', project_id).execute();
    await createMergeRule(store, project_id, ['phone']);
    await createMergeRule(store, project_id, ['email']);
    return { apiKey, projectId: project_id };
  });
}

const activeContacts = (projectId: string) =>
  withStore((store) =>
    store.db.selectFrom('contacts').select(['name', 'phone', 'email', 'variables']).where('project_id', '=', projectId).where('state', '=', 'active').orderBy('id').execute(),
  );

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

beforeAll(async () => {
  await withStore(async () => {}); // migrate once before the processes start
});

describe('omnimerge import', () => {
  it('loads a CSV, merges duplicates in mixed formats and lists refused rows with their line and reason', async () => {
    const { apiKey, projectId } = await project();
    const path = file(
      'contacts.csv',
      [
        'name,phone,email,variables.account,tags',
        'Ann,+1 415 555 2671,ann@example.com,A1,vip;new',
        'Ann again,(415) 555-2671,,,',
        'Bob,not a phone,bob@example.com,,',
        '"Carl, Jr.",,CARL@example.com,,',
        'Carl twin,,carl@example.com ,,',
        'Dana,,dana@example,,',
      ].join('\n'),
    );
    const run = await runCli(['import', path, '--no-progress', ...dbFlags], { OMNIMERGE_API_KEY: apiKey });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('created: 4');
    expect(run.stdout).toContain('merged: 2 (2 clusters)');
    expect(run.stdout).toContain('refused: 2');
    expect(run.stdout).toMatch(/line 4: "not a phone" is not a valid phone number/);
    expect(run.stdout).toMatch(/line 7: "dana@example" is not a valid e-mail/);
    const contacts = await activeContacts(projectId);
    expect(contacts).toEqual([
      expect.objectContaining({ name: 'Ann', phone: '+14155552671', email: 'ann@example.com', variables: { account: 'A1' } }),
      expect.objectContaining({ name: 'Carl, Jr.', email: 'carl@example.com' }),
    ]);
  });

  it('loads JSONL, refusing bad lines without stopping and without half-writing a contact', async () => {
    const { apiKey, projectId } = await project();
    const path = file(
      'contacts.jsonl',
      [
        '{"name":"Dee","email":"dee@example.com","variables":{"plan":"pro"}}',
        '{bad json',
        '{"name":"X","colour":"red"}',
        '{"name":"Half","phone":"+14155550001","email":"not-an-email"}',
        '',
        '{"name":"Dee 2","email":"DEE@example.com"}',
      ].join('\n'),
    );
    const run = await runCli(['import', path, '--no-progress', ...dbFlags], { OMNIMERGE_API_KEY: apiKey });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('created: 2');
    expect(run.stdout).toContain('merged: 1');
    expect(run.stdout).toMatch(/line 2: not JSON/);
    expect(run.stdout).toMatch(/line 3: "colour" is not a contact field/);
    expect(run.stdout).toMatch(/line 4: "not-an-email" is not a valid e-mail/);
    const contacts = await activeContacts(projectId);
    expect(contacts).toEqual([expect.objectContaining({ name: 'Dee', email: 'dee@example.com', variables: { plan: 'pro' } })]);
    expect(contacts.some((c) => c.phone === '+14155550001')).toBe(false);
  });

  it('refuses rows with stray quotes, extra cells or an unclosed quote by their lines, and goes on with the next', async () => {
    const { apiKey, projectId } = await project();
    const path = file(
      'broken.csv',
      [
        'name,phone,email',
        'Ann,+14155552671,ann@example.com',
        'Eve,"+1415"x,eve@example.com',
        'Carl,+14155552673,carl@example.com,extra',
        'Fay,+14155552675,"fay@',
        'example.com"',
        'Gus,+14155552676,gus@example.com',
        '"Hal,+14155552677,hal@example.com',
        'Ivy,+14155552678,ivy@example.com',
      ].join('\n'),
    );
    const run = await runCli(['import', path, '--no-progress', ...dbFlags], { OMNIMERGE_API_KEY: apiKey });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('created: 2');
    expect(run.stdout).toContain('refused: 4');
    expect(run.stdout).toMatch(/line 3: ""\+1415"x" is not a valid phone number/);
    expect(run.stdout).toMatch(/line 4: 4 cells where the header has 3 columns/);
    // a quoted cell may hold a line break: the row is reported by its first line
    expect(run.stdout).toMatch(/line 5: "fay@\nexample.com" is not a valid e-mail/);
    // an opening quote never closed takes the rest of the file: every line of it is named
    expect(run.stdout).toMatch(/line 8: lines 8-9 are not a CSV record: Quote Not Closed/);
    expect((await activeContacts(projectId)).map((c) => c.name)).toEqual(['Ann', 'Gus']);
  });

  it('refuses a CSV with an unknown column before writing anything, and a file without a project key', async () => {
    const { apiKey, projectId } = await project();
    const path = file('odd.csv', 'name,colour\nAnn,red\n');
    const run = await runCli(['import', path, '--no-progress', ...dbFlags], { OMNIMERGE_API_KEY: apiKey });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('unknown column(s) colour');
    expect(await activeContacts(projectId)).toEqual([]);
    const keyless = await runCli(['import', path, ...dbFlags], { OMNIMERGE_API_KEY: '' });
    expect(keyless.stderr).toContain('--api-key');
  });
});

describe('omnimerge dedupe', () => {
  it('reports clusters on --dry-run and changes nothing, then merges them', async () => {
    const { apiKey, projectId } = await project();
    // loaded before the rules existed for them: written straight to the table
    await withStore(async (store) => {
      await store.db.deleteFrom('merge_rules').where('project_id', '=', projectId).execute();
      const { newId } = await import('../src/ids.js');
      for (const c of [{ phone: '+14155552671' }, { phone: '+14155552671', email: 'x@example.com' }, { email: 'x@example.com' }, { email: 'y@example.com' }]) {
        await store.db.insertInto('contacts').values({ project_id: projectId, id: newId(), name: null, phone: c.phone ?? null, email: c.email ?? null, external_id: null }).execute();
      }
      await createMergeRule(store, projectId, ['phone']);
      await createMergeRule(store, projectId, ['email']);
    });
    const dry = await runCli(['dedupe', '--dry-run', ...dbFlags], { OMNIMERGE_API_KEY: apiKey });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('would merge: 2 contacts in 1 clusters');
    expect(await activeContacts(projectId)).toHaveLength(4);
    const real = await runCli(['dedupe', ...dbFlags], { OMNIMERGE_API_KEY: apiKey });
    expect(real.stdout).toContain('merged: 2 contacts in 1 clusters');
    expect(await activeContacts(projectId)).toHaveLength(2);
  });
});
