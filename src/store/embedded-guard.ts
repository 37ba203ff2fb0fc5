import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { CommitUnknownError, DatabaseUnavailableError } from './faults.js';
import type { DatabaseHealth } from './health.js';

// The embedded database writes into files of this process. When its folder is removed while the server
// runs, PGlite goes on writing into the removed files, and everything acknowledged from then on would
// be gone at the next start; when a write fails below it, PGlite aborts and answers nothing sensible
// after. So the folder is checked (one stat) where a transaction begins and where it commits: before and
// after a statement run outside a transaction (BEGIN, or one that commits by itself), and after COMMIT,
// before anything is acknowledged. Statements inside a transaction are not checked: what they write is
// kept only through its COMMIT. Once the database failed, the store refuses everything with 503
// database_unavailable instead of acknowledging writes it cannot keep. Restarting the server is the way
// back.

export function guardEmbedded(pglite: PGlite, dataDir: string, health: DatabaseHealth): PGlite {
  const marker = join(dataDir, 'pgdata', 'PG_VERSION');
  let failure: DatabaseUnavailableError | null = null;
  const fail = (message: string, cause?: unknown) => {
    failure ??= new DatabaseUnavailableError(`the embedded database in ${dataDir} stopped: ${message}; nothing more is accepted until the server is restarted on a writable data folder`, { cause, tellClient: true });
    health.failed(failure);
    return failure;
  };
  /** outside a transaction (where one begins, or after it committed) and the folder is gone */
  const removedAtTransactionEdge = () => !pglite.isInTransaction() && !existsSync(marker);
  const REMOVED = 'its data folder was removed while the server ran';
  // every way into the engine: statements (`query`, `exec`) and the protocol messages of prepared statements
  const guarded = (method: 'query' | 'exec' | 'execProtocol') => async (first: unknown, ...rest: unknown[]) => {
    if (failure) throw (health.failed(failure), failure);
    if (removedAtTransactionEdge()) throw fail(REMOVED);
    const sql = typeof first === 'string' ? first : '';
    let result;
    try {
      result = await (pglite[method] as (...args: unknown[]) => Promise<unknown>).call(pglite, first, ...rest);
    } catch (err) {
      // a failed write under PGlite aborts its WebAssembly runtime: nothing it answers after is reliable
      if ((err as Error)?.name === 'RuntimeError' || /Aborted\(\)/.test(String((err as Error)?.message))) throw fail((err as Error).message, err);
      throw err;
    }
    if (removedAtTransactionEdge()) {
      const err = fail(REMOVED);
      throw /^\s*commit\s*$/i.test(sql) ? new CommitUnknownError({ cause: err }) : err;
    }
    health.succeeded();
    return result;
  };
  const wrapped = { query: guarded('query'), exec: guarded('exec'), execProtocol: guarded('execProtocol') };
  return new Proxy(pglite, {
    get: (target, property) => {
      if (property === 'query' || property === 'exec' || property === 'execProtocol') return wrapped[property];
      // PGlite keeps private fields: its methods run on itself, not on the proxy
      const value = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
