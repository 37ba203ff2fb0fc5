import { mkdirSync } from 'node:fs';
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
  poolSize?: number;
  /** Called for every statement sent; tests count round trips with it. */
  onQuery?: (event: LogEvent) => void;
}

const RETRYABLE = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected

export async function openStore(options: StoreOptions): Promise<Store> {
  const kind = options.databaseUrl ? 'postgres' : 'pglite';
  const dialect = options.databaseUrl
    ? new PostgresDialect({ pool: new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 20 }) })
    : new PGliteDialect(await openPglite(options.dataDir ?? './data'));
  const db = new Kysely<Database>({ dialect, log: options.onQuery });

  await migrate(db);

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
    close: () => db.destroy(),
  };
}

async function openPglite(dataDir: string): Promise<PGlite> {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const pglite = new PGlite(dataDir);
  await pglite.waitReady;
  return pglite;
}

/** Brings the schema up to date; several processes may start at once (Kysely takes an advisory lock). */
export async function migrate(db: Kysely<Database>): Promise<void> {
  const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${(error as Error)?.message ?? error}`);
  }
}
