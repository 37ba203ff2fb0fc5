import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, Migrator, PostgresDialect, type LogEvent, type Transaction } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pRetry, { AbortError } from 'p-retry';
import pg from 'pg';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;

export interface Store {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Runs `work` in one transaction, again from the start when PostgreSQL picks it as a deadlock or serialization victim. */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** postgres://… for a real PostgreSQL; otherwise the embedded PGlite. */
  databaseUrl?: string;
  /** Where PGlite keeps its files; `memory://` keeps nothing. */
  dataDir?: string;
  /** Connections this process keeps open to PostgreSQL at most (OMNIMERGE_DB_POOL). */
  poolSize?: number;
  /**
   * A direct URL for migrations, when `databaseUrl` goes through a transaction pooler such as PgBouncer:
   * Kysely's migrator holds a session-level advisory lock, which a transaction pooler cannot carry.
   */
  migrationDatabaseUrl?: string;
  /** Called for every statement sent; tests count round trips with it. */
  onQuery?: (event: LogEvent) => void;
}

const RETRYABLE = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected

export async function openStore(options: StoreOptions): Promise<Store> {
  const kind = options.databaseUrl ? 'postgres' : 'pglite';
  let release = () => {};
  let dialect;
  if (options.databaseUrl) {
    dialect = new PostgresDialect({ pool: new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 20 }) });
  } else {
    const embedded = await openPglite(options.dataDir ?? './data');
    release = embedded.release;
    dialect = new PGliteDialect(embedded.pglite);
  }
  const db = new Kysely<Database>({ dialect, log: options.onQuery });

  try {
    await migrate(db, options.migrationDatabaseUrl);
  } catch (err) {
    await db.destroy();
    release();
    throw err;
  }

  return {
    db,
    kind,
    transaction: (work) =>
      pRetry(
        async () => {
          try {
            return await db.transaction().execute(work);
          } catch (err) {
            if (RETRYABLE.has((err as { code?: string }).code ?? '')) throw err;
            throw new AbortError(err as Error);
          }
        },
        { retries: 8, minTimeout: 5, maxTimeout: 200, randomize: true },
      ),
    close: async () => {
      await db.destroy();
      release();
    },
  };
}

async function openPglite(dataDir: string): Promise<{ pglite: PGlite; release: () => void }> {
  if (dataDir.startsWith('memory://')) {
    const pglite = new PGlite(dataDir);
    await pglite.waitReady;
    return { pglite, release: () => {} };
  }
  // PostgreSQL's own files go one level down: initdb wants an empty folder, and the lock lives beside them.
  mkdirSync(dataDir, { recursive: true });
  const release = lockDataDir(dataDir);
  try {
    const pglite = new PGlite(join(dataDir, 'pgdata'));
    await pglite.waitReady;
    return { pglite, release };
  } catch (err) {
    release();
    throw err;
  }
}

/**
 * PGlite is a database in this process: a second process on the same files would corrupt them. A lock
 * file with our pid keeps others out; one left by a process that no longer runs is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, 'omnimerge.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(path, 'utf8'));
      if (holder && holder !== process.pid && isRunning(holder)) {
        throw new Error(`the embedded database in ${dataDir} is in use by process ${holder}; stop it first, or share a PostgreSQL with DATABASE_URL`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new Error(`could not lock ${path}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Brings the schema up to date; several processes may start at once (Kysely takes an advisory lock).
 * With `directUrl`, the migrations run over a connection of their own to that URL.
 */
export async function migrate(db: Kysely<Database>, directUrl?: string): Promise<void> {
  if (directUrl) {
    const direct = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: directUrl, max: 1 }) }) });
    try {
      return await migrate(direct);
    } finally {
      await direct.destroy();
    }
  }
  const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${(error as Error)?.message ?? error}`);
  }
}
