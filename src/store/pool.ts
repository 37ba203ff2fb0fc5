import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import pg from 'pg';
import type { DatabaseTargets } from './database-url.js';
import { CommitUnknownError, DatabaseUnavailableError, isUnavailable } from './faults.js';
import type { DatabaseHealth } from './health.js';

// The PostgreSQL side of the store, as Kysely's pool: one node-postgres pool per host of DATABASE_URL,
// used through the host that last worked. It keeps the process up and the answers bounded when the
// database goes away:
//  - every pool and every connection has an `error` listener (without one, a connection the server
//    closes while idle throws out of the process);
//  - a connection that failed is thrown away, not given back, and later statements on it fail at once;
//  - a connection lost during COMMIT is reported as CommitUnknownError: the write may be stored or not;
//  - with target_session_attrs=read-write, each new connection asks pg_is_in_recovery() once, and a
//    standby's connection is dropped for the next host: after a failover, writes go to the new primary.

export interface PoolSettings {
  max: number;
  /** waiting for a connection (new, or free in the pool) fails after this */
  connectTimeoutMs: number;
  /** a statement without an answer after this fails and its connection is dropped; 0: no limit */
  queryTimeoutMs: number;
}

export class DatabasePool implements PostgresPool {
  private readonly pools: pg.Pool[];
  private readonly clients = new WeakMap<pg.PoolClient, GuardedClient>();
  private current = 0;
  private readonly max: number;

  constructor(
    private readonly targets: DatabaseTargets,
    settings: PoolSettings,
    private readonly health: DatabaseHealth,
  ) {
    this.max = settings.max;
    this.pools = targets.urls.map((connectionString) => {
      const pool = new pg.Pool({
        connectionString,
        max: settings.max,
        connectionTimeoutMillis: settings.connectTimeoutMs,
        query_timeout: settings.queryTimeoutMs || undefined,
        keepAlive: true,
        keepAliveInitialDelayMillis: 10_000,
      });
      pool.on('error', (err) => health.idleConnectionLost(err));
      // a connection in use that breaks between statements emits `error` too: counted, never thrown
      pool.on('connect', (client) => client.on('error', (err) => health.failed(err)));
      return pool;
    });
  }

  async connect(): Promise<PostgresPoolClient> {
    const order = this.pools.map((_, i) => (this.current + i) % this.pools.length);
    const failures: string[] = [];
    let cause: unknown;
    for (const i of order) {
      let client: pg.PoolClient;
      try {
        client = await this.pools[i].connect();
      } catch (err) {
        if (!isUnavailable(err)) throw err;
        this.health.failed(err);
        failures.push(`${this.targets.hosts[i]}: ${(err as Error).message}`);
        cause = err;
        continue;
      }
      let guarded = this.clients.get(client);
      if (!guarded) {
        let standby: boolean;
        try {
          standby = this.targets.sessionAttrs === 'read-write' && (await isStandby(client));
        } catch (err) {
          client.release(true);
          if (!isUnavailable(err)) throw err;
          this.health.failed(err);
          failures.push(`${this.targets.hosts[i]}: ${(err as Error).message}`);
          cause = err;
          continue;
        }
        if (standby) {
          client.release(true);
          failures.push(`${this.targets.hosts[i]}: a standby (read-only)`);
          continue;
        }
        guarded = new GuardedClient(client, this.health);
        this.clients.set(client, guarded);
      }
      guarded.checkOut();
      this.current = i;
      this.health.succeeded();
      return guarded;
    }
    const want = this.targets.sessionAttrs === 'read-write' ? 'that accepts writes ' : '';
    throw new DatabaseUnavailableError(`no database host ${want}answers: ${failures.join('; ')}`, { cause });
  }

  /** Connections in use, idle and waited for, over every host's pool (GET /metrics). */
  use(): { max: number; inUse: number; idle: number; waiting: number } {
    const sum = (count: (pool: pg.Pool) => number) => this.pools.reduce((total, pool) => total + count(pool), 0);
    return {
      max: this.max,
      inUse: sum((p) => p.totalCount - p.idleCount),
      idle: sum((p) => p.idleCount),
      waiting: sum((p) => p.waitingCount),
    };
  }

  async end(): Promise<void> {
    await Promise.all(this.pools.map((pool) => pool.end()));
  }
}

async function isStandby(client: pg.PoolClient): Promise<boolean> {
  const { rows } = await client.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
  return rows[0].standby;
}

/** One pooled connection as Kysely sees it; once it failed, it answers no more and is destroyed on release. */
class GuardedClient implements PostgresPoolClient {
  private broken: unknown = null;
  private inTransaction = false;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly health: DatabaseHealth,
  ) {}

  checkOut(): void {
    this.broken = null;
    this.inTransaction = false;
  }

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: any): any;
  query(sqlOrCursor: any, parameters?: ReadonlyArray<unknown>): any {
    if (typeof sqlOrCursor !== 'string') return this.client.query(sqlOrCursor);
    return this.run(sqlOrCursor, parameters ?? []);
  }

  private async run(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<any>> {
    if (this.broken) {
      // the server has already rolled back whatever this connection had open
      if (sql === 'rollback') return { command: 'SELECT', rowCount: 0, rows: [] };
      throw this.broken;
    }
    if (sql === 'begin' || sql.startsWith('start transaction')) this.inTransaction = true;
    const committing = sql === 'commit' || (!this.inTransaction && !/^\s*select\b/i.test(sql));
    if (sql === 'commit' || sql === 'rollback') this.inTransaction = false;
    try {
      const result = await this.client.query(sql, parameters as unknown[]);
      this.health.succeeded();
      return result as unknown as PostgresQueryResult<any>;
    } catch (err) {
      if (!isUnavailable(err)) throw err;
      this.health.failed(err);
      this.broken = err;
      // COMMIT, or a write on its own (it commits by itself): it may have been applied before the connection broke
      if (committing) throw new CommitUnknownError({ cause: err });
      throw err;
    }
  }

  release(): void {
    this.client.release(this.broken ? (this.broken as Error) : undefined);
  }
}
