import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

// A PostgreSQL cluster of a test's own, in a temporary folder on a free port: the test may restart it,
// stop it and terminate its backends without disturbing anybody else's database. PostgreSQL refuses to
// run as root, so as root the cluster belongs to the `postgres` user and its commands run through runuser.

const run = promisify(execFile);

export function postgresBinDir(): string | null {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(root, versions[0], 'bin') : null;
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL program as the cluster's owner. */
export async function asOwner(program: string, args: string[], timeoutMs = 60_000): Promise<string> {
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', program, ...args]] : [program, args];
  const { stdout } = await run(file, argv, { timeout: timeoutMs });
  return stdout;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A folder the cluster's owner can write. */
export function ownedTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'])), Number(execFileSync('id', ['-g', 'postgres'])));
  return dir;
}

export interface PrivatePostgres {
  port: number;
  /** a connection string to one of its databases */
  url: (database?: string) => string;
  query: <R extends pg.QueryResultRow = any>(text: string, values?: unknown[], database?: string) => Promise<R[]>;
  createDatabase: (name: string) => Promise<void>;
  start: () => Promise<void>;
  stop: (mode?: 'fast' | 'immediate') => Promise<void>;
  /** `pg_ctl restart -m fast`, waiting until it accepts connections; resolves when it does */
  restart: () => Promise<void>;
  /** terminates every backend connected to the database (ours excepted); how many */
  terminateBackends: (database: string, where?: string) => Promise<number>;
  destroy: () => Promise<void>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('no PostgreSQL server programs found (set PG_BIN to their folder)');
  const dir = ownedTempDir('omnimerge-pg-');
  const data = join(dir, 'data');
  const port = await freePort();
  await asOwner(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  const pgCtl = (...args: string[]) => asOwner(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', ...args]);
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const query = async (text: string, values: unknown[] = [], database = 'postgres') => {
    const client = new pg.Client({ connectionString: url(database) });
    client.on('error', () => {});
    await client.connect();
    try {
      return (await client.query(text, values)).rows;
    } finally {
      await client.end();
    }
  };
  await pgCtl('start', '-o', options);
  return {
    port,
    url,
    query,
    createDatabase: async (name) => void (await query(`CREATE DATABASE ${name}`)),
    start: async () => void (await pgCtl('start', '-o', options)),
    stop: async (mode = 'fast') => void (await pgCtl('stop', '-m', mode)),
    restart: async () => void (await pgCtl('restart', '-m', 'fast', '-o', options)),
    terminateBackends: async (database, where = 'true') => {
      const rows = await query(`SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND ${where}`, [database]);
      return rows[0].n;
    },
    destroy: async () => {
      await pgCtl('stop', '-m', 'immediate').catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
