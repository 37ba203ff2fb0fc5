import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../src/store/database.js';
import { DatabaseUnavailableError } from '../src/store/faults.js';
import { runCli, spawnServer, type RunningServer } from './helpers/process.js';
import { client, connectBot } from './helpers/server.js';

// The embedded database's folder made unwritable (immutable with chattr +i, which stops root too) or
// removed while the server runs. Runs in the embedded pass of the suite, as root with chattr.

const chattr = (flag: '+i' | '-i', path: string) => execFileSync('chattr', ['-R', flag, path]);
const canChattr = (() => {
  if (process.getuid?.() !== 0 || process.env.DATABASE_URL) return false;
  const probe = mkdtempSync(join(tmpdir(), 'omnimerge-chattr-'));
  try {
    chattr('+i', probe);
    chattr('-i', probe);
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
})();

describe.skipIf(!canChattr)('embedded database folder faults', () => {
  const dirs: string[] = [];
  let server: RunningServer | null = null;
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'omnimerge-data-'));
    dirs.push(dir);
    return dir;
  };

  afterEach(async () => {
    await server?.stop('SIGKILL');
    server = null;
    for (const dir of dirs.splice(0)) {
      execFileSync('chattr', ['-R', '-i', dir]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start on a data folder it cannot write, with a message naming the folder and a non-zero exit', async () => {
    const data = join(tempDir(), 'data');
    mkdirSync(data);
    chattr('+i', data);
    const { code, stderr } = await runCli(['serve', '--port', '0'], { OMNIMERGE_DATA_DIR: data, DATABASE_URL: '' });
    expect(code).not.toBe(0);
    expect(stderr).toContain(`cannot use its data folder ${data}`);
  });

  it('refuses to start on an existing database whose files cannot be written', async () => {
    const data = join(tempDir(), 'data');
    expect((await runCli(['project', 'create', 'shop'], { OMNIMERGE_DATA_DIR: data, DATABASE_URL: '' })).code).toBe(0);
    chattr('+i', join(data, 'pgdata'));
    const { code, stderr } = await runCli(['serve', '--port', '0'], { OMNIMERGE_DATA_DIR: data, DATABASE_URL: '' });
    expect(code).not.toBe(0);
    expect(stderr).toContain(`cannot use its data folder ${data}`);
  });

  it('answers 503 database_unavailable, and acknowledges nothing, once its data folder is removed while it runs', async () => {
    const data = join(tempDir(), 'data');
    server = await spawnServer({ OMNIMERGE_DATA_DIR: data, DATABASE_URL: '', OMNIMERGE_API_KEY: 'key-1' }, 120_000);
    const api = client(server.url, 'key-1');
    const bot = await connectBot(api);
    expect((await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: '1', message_id: 'm1' })).status).toBe(200);

    rmSync(data, { recursive: true, force: true });
    for (const id of ['m2', 'm3']) {
      const answer = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: '1', message_id: id });
      expect(answer.status).toBe(503);
      expect(answer.body.error.code).toBe('database_unavailable');
      expect(answer.body.error.message).toContain('removed');
      expect(answer.headers.get('retry-after')).toBe('1');
    }
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(server.child.exitCode).toBeNull();
  });

  it('does not acknowledge a transaction whose data folder was removed before it committed, and refuses what follows', async () => {
    const data = join(tempDir(), 'data');
    const store = await openStore({ dataDir: data });
    try {
      const { project_id: projectId } = await store.db.insertInto('projects').values({ project_id: '01930000-0000-7000-8000-000000000001', name: 'shop' }).returning('project_id').executeTakeFirstOrThrow();
      const commit = store.transaction(async (tx) => {
        await tx.updateTable('projects').set({ name: 'renamed' }).where('project_id', '=', projectId).execute();
        rmSync(data, { recursive: true, force: true });
        await tx.selectFrom('projects').select('name').where('project_id', '=', projectId).execute();
      });
      // refused, not acknowledged: the rollback Kysely runs after the failed COMMIT answers that the database stopped
      await expect(commit).rejects.toThrow(/data folder was removed/);
      await expect(store.db.selectFrom('projects').selectAll().execute()).rejects.toBeInstanceOf(DatabaseUnavailableError);
      await expect(store.transaction((tx) => tx.selectFrom('projects').selectAll().execute())).rejects.toBeInstanceOf(DatabaseUnavailableError);
    } finally {
      await store.close().catch(() => {});
    }
  });
});
