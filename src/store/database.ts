import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, Migrator, PostgresDialect, type Dialect, type Driver, type LogEvent, type Transaction } from 'kysely';
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
  /** Connections in use, idle, and callers waiting for one, for GET /metrics. */
  poolUse(): PoolUse;
  close(): Promise<void>;
}

export interface PoolUse {
  /** the most connections the pool opens (PGlite: 1, its one in-process connection) */
  max: number;
  inUse: number;
  idle: number;
  /** queries and transactions waiting for a free connection */
  waiting: number;
}

export interface StoreOptions {
  /** postgres://… for a real PostgreSQL; otherwise the embedded PGlite. */
  databaseUrl?: string;
  /** Where PGlite keeps its files; `memory://` keeps nothing. */
  dataDir?: string;
  poolSize?: number;
  /** Called for every statement sent; tests count round trips with it. */
  onQuery?: (event: LogEvent) => void;
}

const RETRYABLE = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected

export async function openStore(options: StoreOptions): Promise<Store> {
  const kind = options.databaseUrl ? 'postgres' : 'pglite';
  let release = () => {};
  let dialect: Dialect;
  let poolUse: () => PoolUse;
  if (options.databaseUrl) {
    const max = options.poolSize ?? 20;
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max });
    dialect = new PostgresDialect({ pool });
    poolUse = () => ({ max, inUse: pool.totalCount - pool.idleCount, idle: pool.idleCount, waiting: pool.waitingCount });
  } else {
    const embedded = await openPglite(options.dataDir ?? './data');
    release = embedded.release;
    const counted = countConnections(new PGliteDialect(embedded.pglite));
    dialect = counted.dialect;
    poolUse = () => ({ max: 1, inUse: counted.inUse(), idle: 1 - counted.inUse(), waiting: counted.waiting() });
  }
  const db = new Kysely<Database>({ dialect, log: options.onQuery });

  try {
    await migrate(db);
  } catch (err) {
    await db.destroy();
    release();
    throw err;
  }

  return {
    db,
    kind,
    transaction: async (work) => {
      const { result, committed } = await pRetry(
        async () => {
          const committed: CommitHook[] = [];
          try {
            const result = await db.transaction().execute((tx) => {
              commitHooks.set(tx, committed);
              return work(tx);
            });
            return { result, committed };
          } catch (err) {
            if (RETRYABLE.has((err as { code?: string }).code ?? '')) throw err;
            throw new AbortError(err as Error);
          }
        },
        { retries: 8, minTimeout: 5, maxTimeout: 200, randomize: true },
      );
      for (const hook of committed) hook();
      return result;
    },
    poolUse: () => poolUse(),
    close: async () => {
      await db.destroy();
      release();
    },
  };
}

type CommitHook = () => void;
const commitHooks = new WeakMap<Tx, CommitHook[]>();

/**
 * Runs `hook` once the transaction of `store.transaction` that `tx` belongs to has committed: not when it
 * rolls back, and only for the attempt that committed when a deadlock made it start again. Counters
 * (GET /metrics) count this way. Outside `store.transaction` the hook runs at once.
 */
export function afterCommit(tx: Tx, hook: CommitHook): void {
  const hooks = commitHooks.get(tx);
  if (hooks) hooks.push(hook);
  else hook();
}

/**
 * PGlite has one connection, which its Kysely driver hands out in turn; this counts whether it is in use
 * and how many wait for it, which is what "pool use" means for the embedded database.
 */
function countConnections(inner: Dialect): { dialect: Dialect; inUse: () => number; waiting: () => number } {
  let inUse = 0;
  let waiting = 0;
  const dialect: Dialect = {
    createAdapter: () => inner.createAdapter(),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createIntrospector: (db) => inner.createIntrospector(db),
    createDriver: () => {
      const driver = inner.createDriver();
      return {
        init: () => driver.init(),
        acquireConnection: async () => {
          waiting++;
          try {
            const connection = await driver.acquireConnection();
            inUse++;
            return connection;
          } finally {
            waiting--;
          }
        },
        beginTransaction: (connection, settings) => driver.beginTransaction(connection, settings),
        commitTransaction: (connection) => driver.commitTransaction(connection),
        rollbackTransaction: (connection) => driver.rollbackTransaction(connection),
        savepoint: driver.savepoint?.bind(driver),
        rollbackToSavepoint: driver.rollbackToSavepoint?.bind(driver),
        releaseSavepoint: driver.releaseSavepoint?.bind(driver),
        releaseConnection: async (connection) => {
          inUse--;
          await driver.releaseConnection(connection);
        },
        destroy: () => driver.destroy(),
      };
    },
  };
  return { dialect, inUse: () => inUse, waiting: () => waiting };
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

/** Brings the schema up to date; several processes may start at once (Kysely takes an advisory lock). */
export async function migrate(db: Kysely<Database>): Promise<void> {
  const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${(error as Error)?.message ?? error}`);
  }
}
