import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../src/store/database.js';
import { generateApiKey } from '../src/domain/api-keys.js';
import { ensureProjectForKey } from '../src/usecases/create-project.js';
import { runCli } from './helpers/process.js';

// `omnimerge operator create|list|disable` in its own process, on the database `serve` would use.

const dir = mkdtempSync(join(tmpdir(), 'omnimerge-operator-'));
const database = process.env.DATABASE_URL
  ? { databaseUrl: process.env.DATABASE_URL, migrationDatabaseUrl: process.env.OMNIMERGE_MIGRATION_DATABASE_URL }
  : { dataDir: join(dir, 'data') };
const dbFlags = process.env.DATABASE_URL ? ['--database-url', process.env.DATABASE_URL] : ['--data-dir', join(dir, 'data')];
const apiKey = generateApiKey();

beforeAll(async () => {
  const store = await openStore(database);
  try {
    await ensureProjectForKey(store, apiKey);
  } finally {
    await store.close();
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('omnimerge operator', () => {
  it('creates an operator with the password from the environment, lists and disables them, and refuses a short password in words', async () => {
    const email = `olga-${Date.now()}@example.com`;
    const short = await runCli(['operator', 'create', '--email', email, '--name', 'Olga', '--api-key', apiKey, ...dbFlags], { OMNIMERGE_OPERATOR_PASSWORD: 'short' });
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('the password must have at least 10 characters');

    const created = await runCli(['operator', 'create', '--email', email, '--name', 'Olga', '--api-key', apiKey, ...dbFlags], { OMNIMERGE_OPERATOR_PASSWORD: 'a long enough password' });
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(`operator Olga <${email}> created`);

    const listed = await runCli(['operator', 'list', '--api-key', apiKey, ...dbFlags]);
    expect(listed.stdout).toMatch(new RegExp(`\\t${email}\\tOlga\\tactive`));

    const disabled = await runCli(['operator', 'disable', email, '--api-key', apiKey, ...dbFlags]);
    expect(disabled.code, disabled.stderr).toBe(0);
    expect((await runCli(['operator', 'list', '--api-key', apiKey, ...dbFlags])).stdout).toMatch(/\tOlga\tdisabled /);
  });
});
