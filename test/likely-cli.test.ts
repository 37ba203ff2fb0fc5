import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/store/database.js';
import { createContact } from '../src/usecases/create-contact.js';
import { generateApiKey } from '../src/domain/api-keys.js';
import { ensureProjectForKey } from '../src/usecases/create-project.js';
import { runCli } from './helpers/process.js';

// `omnimerge dedupe --likely` in its own process, on the database `serve` would use (docs/likely-duplicates.md).

const dir = mkdtempSync(join(tmpdir(), 'omnimerge-likely-'));
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

describe('omnimerge dedupe --likely', () => {
  it('prints the likely pairs with their evidence on --dry-run, then suggests them once, merging nothing', async () => {
    const apiKey = generateApiKey();
    const projectId = await withStore(async (store) => {
      const { project_id } = await ensureProjectForKey(store, apiKey);
      await createContact(store, project_id, { name: 'Aleksei Ivanov', email: 'a.ivanov@gmail.com' });
      await createContact(store, project_id, { name: 'Алексей Иванов', email: 'aivanov+shop@gmail.com' });
      await createContact(store, project_id, { name: 'Maria Petrova', email: 'maria@example.com' });
      return project_id;
    });
    const pending = () => withStore((store) => store.db.selectFrom('merge_suggestions').select(['kind', 'status']).where('project_id', '=', projectId).execute());

    const dry = await runCli(['dedupe', '--likely', '--dry-run', ...dbFlags], { OMNIMERGE_API_KEY: apiKey });
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('likely duplicates at threshold 0.8: 1 pairs');
    expect(dry.stdout).toContain('name Aleksei Ivanov / Алексей Иванов: transliterated');
    expect(dry.stdout).toContain('email a.ivanov@gmail.com / aivanov+shop@gmail.com: same after removing dots/+tags');
    expect(await pending()).toEqual([]);

    const real = await runCli(['dedupe', '--likely', ...dbFlags], { OMNIMERGE_API_KEY: apiKey });
    expect(real.stdout).toContain('suggested 1 new');
    expect(await pending()).toEqual([{ kind: 'likely', status: 'pending' }]);
    const again = await runCli(['dedupe', '--likely', ...dbFlags], { OMNIMERGE_API_KEY: apiKey });
    expect(again.stdout).toContain('suggested 0 new');
    const active = await withStore((store) => store.db.selectFrom('contacts').select('id').where('project_id', '=', projectId).where('state', '=', 'active').execute());
    expect(active).toHaveLength(3);
  });
});
