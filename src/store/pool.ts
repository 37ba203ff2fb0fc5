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
//    standby's connection is dropped for the next host: after a failover, writes go to the new primary;
//  - a transaction's BEGIN is not sent on its own: it goes out in the same write as the transaction's first
//    statement (node-postgres' pipeline mode), which saves a round trip and a write per transaction, and a
//    transaction that runs no statement sends nothing at all.

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
        // queries are written at once, not after the previous answer: lets BEGIN share a write with the next statement
        pipeline: true,
      } as pg.PoolConfig);
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

/** The answer to a statement the pool did not need to send (an empty transaction's end, a broken connection's ROLLBACK). */
const NOTHING_SENT: PostgresQueryResult<never> = { command: 'SELECT', rowCount: 0, rows: [] };

/** One pooled connection as Kysely sees it; once it failed, it answers no more and is destroyed on release. */
class GuardedClient implements PostgresPoolClient {
  private broken: unknown = null;
  private inTransaction = false;
  /**
   * the BEGIN Kysely asked for (`begin`, or `start transaction` with its settings), already answered but
   * sent only with the transaction's first statement
   */
  private pendingBegin: string | null = null;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly health: DatabaseHealth,
  ) {}

  checkOut(): void {
    this.broken = null;
    this.inTransaction = false;
    this.pendingBegin = null;
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
      if (sql === 'rollback') return NOTHING_SENT;
      throw this.broken;
    }
    if (sql === 'begin' || sql.startsWith('start transaction')) {
      this.inTransaction = true;
      this.pendingBegin = sql;
      return NOTHING_SENT;
    }
    if (this.pendingBegin !== null && (sql === 'commit' || sql === 'rollback')) {
      // a transaction that ran no statement: nothing was sent, nothing to end
      this.pendingBegin = null;
      this.inTransaction = false;
      return NOTHING_SENT;
    }
    const committing = sql === 'commit' || (!this.inTransaction && !/^\s*select\b/i.test(sql));
    if (sql === 'commit' || sql === 'rollback') this.inTransaction = false;
    try {
      const result = this.pendingBegin !== null ? await this.withBegin(this.pendingBegin, sql, parameters) : await this.client.query(sql, parameters as unknown[]);
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

  /**
   * The deferred `begin` and `sql`, written together. A failed BEGIN fails the statement; the statement may
   * then have run outside a transaction, so the connection is not used again.
   */
  private async withBegin(begin: string, sql: string, parameters: ReadonlyArray<unknown>) {
    this.pendingBegin = null;
    const stream = (this.client as unknown as { connection: { stream: { cork(): void; uncork(): void } } }).connection.stream;
    stream.cork();
    const begun = this.client.query(begin);
    const statement = this.client.query(sql, parameters as unknown[]);
    stream.uncork();
    try {
      await begun;
    } catch (err) {
      statement.catch(() => undefined);
      this.broken ??= err;
      throw err;
    }
    return statement;
  }

  release(): void {
    this.client.release(this.broken ? (this.broken as Error) : undefined);
  }
}
