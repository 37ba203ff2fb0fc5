// Which errors mean "the database is away" rather than "this request is wrong": those answer 503 with
// Retry-After (src/http/errors.ts) and count as database errors in the store's health.

/** No host of the database could be reached, or none accepts writes. */
export class DatabaseUnavailableError extends Error {
  /** the message is for API clients too (it names no host) */
  readonly tellClient: boolean;
  constructor(message: string, options?: { cause?: unknown; tellClient?: boolean }) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
    this.tellClient = options?.tellClient ?? false;
  }
}

/** The connection broke while COMMIT was on its way: the write may or may not be stored. */
export class CommitUnknownError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('the connection to the database broke while this write was committing: it may or may not be stored; send it again (with the same message_id, an inbound message is stored once)', options);
    this.name = 'CommitUnknownError';
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);
// SQLSTATEs of a server that is going away, starting up, full, or a standby (class 08: connection exceptions)
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '25006']);
// node-postgres reports a lost connection and its own timeouts by message only
const UNAVAILABLE_MESSAGES = /Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout|not queryable|Connection ended/i;

export type DatabaseFault = { code: 'database_unavailable' | 'commit_unknown'; message: string };

/** The answer a database fault deserves, or null when `err` is not one. */
export function databaseFault(err: unknown): DatabaseFault | null {
  if (err instanceof CommitUnknownError) return { code: 'commit_unknown', message: err.message };
  if (!isUnavailable(err)) return null;
  if (err instanceof DatabaseUnavailableError && err.tellClient) return { code: 'database_unavailable', message: err.message };
  return { code: 'database_unavailable', message: 'the database is unreachable at the moment; try again in a few seconds (nothing was changed)' };
}

export function isUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 3) return false;
  if (err instanceof DatabaseUnavailableError || err instanceof CommitUnknownError) return true;
  const { code, message, cause, errors } = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08'))) return true;
  if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
  if (Array.isArray(errors) && errors.some((e) => isUnavailable(e, depth + 1))) return true;
  return isUnavailable(cause, depth + 1);
}
