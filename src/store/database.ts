import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, Migrator, PostgresDialect, sql, type Dialect, type LogEvent, type Transaction } from 'kysely';
import pRetry, { AbortError } from 'p-retry';
import type { Logger } from 'pino';
import { parseDatabaseUrl } from './database-url.js';
import { CommitUnknownError, DatabaseUnavailableError, isUnavailable } from './faults.js';
import { DatabaseHealth, type DatabaseHealthFigures } from './health.js';
import { migrationProvider } from './migrations/index.js';
import { guardEmbedded } from './embedded-guard.js';
import { DatabasePool } from './pool.js';
import { embeddedDialect } from './pglite-driver.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;

export interface Store {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Runs `work` in one transaction, again from the start when PostgreSQL picks it as a deadlock or serialization victim. */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /** database errors and outage time so far (for metrics) */
  health(): DatabaseHealthFigures;
  /** whether the database answers and has every migration of this version (GET /readyz) */
  readiness(): Promise<Readiness>;
  /** Connections in use, idle, and callers waiting for one, for GET /metrics. */
  poolUse(): PoolUse;
  close(): Promise<void>;
}

export interface Readiness {
  ready: boolean;
  /** why not, when not */
  reason?: string;
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
  /** Connections this process keeps open to PostgreSQL at most (OMNIMERGE_DB_POOL). */
  poolSize?: number;
  /**
   * A direct URL for migrations, when `databaseUrl` goes through a transaction pooler such as PgBouncer:
   * Kysely's migrator holds a session-level advisory lock, which a transaction pooler cannot carry.
   */
  migrationDatabaseUrl?: string;
  /** Called for every statement sent; tests count round trips with it. */
  onQuery?: (event: LogEvent) => void;
  /** PostgreSQL: waiting for a connection fails after this (default 5000 ms) */
  connectTimeoutMs?: number;
  /** PostgreSQL: a statement without an answer after this fails (default 0: no limit) */
  queryTimeoutMs?: number;
  /** keep trying to reach the database at start, with backoff, instead of failing on the first refusal */
  waitForDatabase?: boolean;
  /** where outages (once each) and the waits at start are logged */
  logger?: Logger;
}

const RETRYABLE = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected

export async function openStore(options: StoreOptions): Promise<Store> {
  const kind = options.databaseUrl ? 'postgres' : 'pglite';
  const health = new DatabaseHealth(options.logger);
  let release = () => {};
  let dialect: Dialect;
  let poolUse: () => PoolUse;
  let afterMigrations = async () => {};
  if (options.databaseUrl) {
    const pool = new DatabasePool(
      parseDatabaseUrl(options.databaseUrl),
      { max: options.poolSize ?? 20, connectTimeoutMs: options.connectTimeoutMs ?? 5000, queryTimeoutMs: options.queryTimeoutMs ?? 0 },
      health,
    );
    dialect = new PostgresDialect({ pool });
    poolUse = () => pool.use();
  } else {
    const dataDir = options.dataDir ?? './data';
    const embedded = await openPglite(dataDir);
    release = embedded.release;
    const guarded = dataDir.startsWith('memory://') ? embedded.pglite : guardEmbedded(embedded.pglite, dataDir, health);
    const driver = embeddedDialect(guarded);
    dialect = driver.dialect;
    poolUse = () => ({ max: 1, inUse: driver.use.inUse(), idle: 1 - driver.use.inUse(), waiting: driver.use.waiting() });
    afterMigrations = driver.forgetStatements;
  }
  const db = new Kysely<Database>({ dialect, log: options.onQuery });

  try {
    await migrateWhenReachable(db, options);
    await afterMigrations();
  } catch (err) {
    await db.destroy();
    release();
    throw err;
  }

  return {
    db,
    kind,
    transaction: async (work) => {
      let lostConnections = 0;
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
            // a connection that broke before COMMIT committed nothing: once, the work runs again on a new one
            if (isLostConnection(err) && lostConnections++ === 0) throw err;
            throw new AbortError(err as Error);
          }
        },
        { retries: 8, minTimeout: 5, maxTimeout: 200, randomize: true },
      );
      for (const hook of committed) hook();
      return result;
    },
    health: () => health.figures(),
    readiness: () => readiness(db),
    poolUse: () => poolUse(),
    close: async () => {
      try {
        await db.destroy();
      } catch (err) {
        // an embedded database that failed (its folder removed) cannot close cleanly; its files are gone anyway
        if (!(kind === 'pglite' && isUnavailableStore(health))) throw err;
      } finally {
        release();
      }
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

/** Runs `work` and undoes its writes (a savepoint rolled back), keeping the caller's transaction. */
export async function rolledBack<T>(tx: Tx, savepoint: string, work: () => Promise<T>): Promise<T> {
  await sql`SAVEPOINT ${sql.id(savepoint)}`.execute(tx);
  try {
    return await work();
  } finally {
    await sql`ROLLBACK TO SAVEPOINT ${sql.id(savepoint)}`.execute(tx);
  }
}

async function openPglite(dataDir: string): Promise<{ pglite: PGlite; release: () => void }> {
  if (dataDir.startsWith('memory://')) {
    const pglite = new PGlite(dataDir);
    await pglite.waitReady;
    return { pglite, release: () => {} };
  }
  // PostgreSQL's own files go one level down: initdb wants an empty folder, and the lock lives beside them.
  let release = () => {};
  try {
    mkdirSync(dataDir, { recursive: true });
    release = lockDataDir(dataDir);
    const pglite = new PGlite(join(dataDir, 'pgdata'));
    await pglite.waitReady;
    // PGlite reads a folder it cannot write and fails at its first write: find out now, not at a request
    await pglite.exec('CHECKPOINT');
    return { pglite, release };
  } catch (err) {
    release();
    if ((err as Error).message?.includes('in use by process')) throw err;
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new Error(`the embedded database cannot use its data folder ${dataDir} (${reason}): make it writable by this user, or choose another with OMNIMERGE_DATA_DIR`, { cause: err });
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

function isUnavailableStore(health: DatabaseHealth): boolean {
  return !health.figures().up;
}

function isLostConnection(err: unknown): boolean {
  return isUnavailable(err) && !(err instanceof CommitUnknownError) && !(err instanceof DatabaseUnavailableError);
}

/**
 * Brings the schema up to date; several processes may start at once (Kysely takes an advisory lock).
 * With `directUrl`, the migrations run over a connection of their own to that URL.
 */
export async function migrate(db: Kysely<Database>, directUrl?: string): Promise<void> {
  if (directUrl) {
    const pool = new DatabasePool(parseDatabaseUrl(directUrl), { max: 1, connectTimeoutMs: 5000, queryTimeoutMs: 0 }, new DatabaseHealth());
    const direct = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    try {
      return await migrate(direct);
    } finally {
      await direct.destroy();
    }
  }
  const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${(error as Error)?.message ?? error}`, { cause: error });
  }
}

/** At start the database may not be up yet (both started together, or it restarts): wait for it, and say so. */
async function migrateWhenReachable(db: Kysely<Database>, options: StoreOptions): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await migrate(db, options.migrationDatabaseUrl);
      if (attempt > 1) options.logger?.info({ attempt }, 'database reachable: schema up to date');
      return;
    } catch (err) {
      if (!options.waitForDatabase || !isUnavailable(err)) throw err;
      const waitMs = Math.min(250 * 2 ** (attempt - 1), 5000);
      options.logger?.warn({ attempt, retry_in_ms: waitMs, err: (err as Error).message }, 'database unreachable at start; trying again');
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}

async function readiness(db: Db): Promise<Readiness> {
  const known = Object.keys(await migrationProvider.getMigrations());
  try {
    const { rows } = await sql<{ applied: number }>`SELECT count(*)::int AS applied FROM kysely_migration WHERE name = ANY(${known})`.execute(db);
    const pending = known.length - rows[0].applied;
    return pending === 0 ? { ready: true } : { ready: false, reason: `${pending} database migration(s) pending` };
  } catch (err) {
    if (!isUnavailable(err)) throw err;
    return { ready: false, reason: `database unreachable: ${(err as Error).message}` };
  }
}
