import { CHANNEL_NAMES, type Channel } from './domain/channels.js';
import { DEFAULT_RATE_LIMITS, type RateLimits } from './http/rate-limits.js';
import { parseDatabaseUrl } from './store/database-url.js';

// Configuration is by environment (README.md); CLI flags may override it.

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  /** OMNIMERGE_MIGRATION_DATABASE_URL: a direct URL for migrations when DATABASE_URL goes through PgBouncer */
  migrationDatabaseUrl: string | undefined;
  /** OMNIMERGE_DB_POOL: connections to PostgreSQL per process at most */
  dbPool: number;
  apiKey: string | undefined;
  logLevel: string;
  /** OMNIMERGE_METRICS: serve GET /metrics (default on) */
  metrics: boolean;
  /** OMNIMERGE_<CHANNEL>_API_URL: where a messenger's API is (tests, proxies); unset = its public URL */
  messengerApiUrls: Partial<Record<Channel, string>>;
  /** OMNIMERGE_RATE_LIMIT (requests a minute per API key, 0 = off), OMNIMERGE_AUTH_FAILURE_LIMIT (a minute per address) */
  rateLimits: RateLimits;
  /** OMNIMERGE_PUBLIC_URL: this server's base URL as messengers reach it, to register their webhooks */
  publicUrl: string | null;
  /** OMNIMERGE_DB_CONNECT_TIMEOUT_MS: waiting for a PostgreSQL connection fails (503) after this */
  dbConnectTimeoutMs: number;
  /** OMNIMERGE_DB_QUERY_TIMEOUT_MS: a statement PostgreSQL does not answer fails (503) after this; 0 = never */
  dbQueryTimeoutMs: number;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env, flags: Partial<Config> = {}): Config {
  const port = flags.port ?? Number(env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not "${env.PORT}"`);
  return {
    port,
    host: flags.host ?? env.HOST ?? '127.0.0.1',
    dataDir: flags.dataDir ?? env.OMNIMERGE_DATA_DIR ?? './data',
    databaseUrl: flags.databaseUrl ?? (env.DATABASE_URL || undefined),
    migrationDatabaseUrl: env.OMNIMERGE_MIGRATION_DATABASE_URL || undefined,
    dbPool: readDbPool(env.OMNIMERGE_DB_POOL),
    apiKey: flags.apiKey ?? (env.OMNIMERGE_API_KEY || undefined),
    logLevel: flags.logLevel ?? env.LOG_LEVEL ?? 'info',
    metrics: flags.metrics ?? readSwitch(env, 'OMNIMERGE_METRICS', true),
    messengerApiUrls: flags.messengerApiUrls ?? readMessengerApiUrls(env),
    rateLimits: flags.rateLimits ?? {
      requestsPerMinute: readCount(env, 'OMNIMERGE_RATE_LIMIT', DEFAULT_RATE_LIMITS.requestsPerMinute),
      authFailuresPerMinute: readCount(env, 'OMNIMERGE_AUTH_FAILURE_LIMIT', DEFAULT_RATE_LIMITS.authFailuresPerMinute),
    },
    publicUrl: readPublicUrl(flags.publicUrl ?? (env.OMNIMERGE_PUBLIC_URL || null)),
    dbConnectTimeoutMs: flags.dbConnectTimeoutMs ?? milliseconds(env, 'OMNIMERGE_DB_CONNECT_TIMEOUT_MS', 3000),
    dbQueryTimeoutMs: flags.dbQueryTimeoutMs ?? milliseconds(env, 'OMNIMERGE_DB_QUERY_TIMEOUT_MS', 15000),
  };
}

function readDbPool(value: string | undefined): number {
  if (value === undefined || value === '') return 20;
  const size = Number(value);
  if (!Number.isInteger(size) || size < 1 || size > 1000) throw new Error(`OMNIMERGE_DB_POOL must be a whole number from 1 to 1000, not "${value}"`);
  return size;
}

/** What opening the database needs from the configuration. */
export function storeOptions(config: Config) {
  return {
    databaseUrl: config.databaseUrl,
    migrationDatabaseUrl: config.migrationDatabaseUrl,
    poolSize: config.dbPool,
    dataDir: config.dataDir,
    connectTimeoutMs: config.dbConnectTimeoutMs,
    queryTimeoutMs: config.dbQueryTimeoutMs,
  };
}

function readCount(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const count = Number(value);
  if (!Number.isSafeInteger(count) || count < 0) throw new Error(`${name} must be a whole number of requests a minute, not "${value}"`);
  return count;
}

/** An absolute http(s) URL, kept without a trailing slash (webhook paths are appended to it). */
function readPublicUrl(value: string | null): string | null {
  if (value === null || value === '') return null;
  const url = URL.canParse(value) ? new URL(value) : null;
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash) {
    throw new Error(`OMNIMERGE_PUBLIC_URL must be the server's base URL as messengers reach it, like https://omnimerge.example.com, not "${value}"`);
  }
  return value.replace(/\/+$/, '');
}

function milliseconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number of milliseconds, not "${text}"`);
  return value;
}

function readSwitch(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const value = env[name]?.trim().toLowerCase();
  if (value === undefined || value === '') return fallback;
  if (value === 'on' || value === 'true' || value === '1') return true;
  if (value === 'off' || value === 'false' || value === '0') return false;
  throw new Error(`${name} must be on or off, not "${env[name]}"`);
}

function readMessengerApiUrls(env: NodeJS.ProcessEnv): Partial<Record<Channel, string>> {
  const urls: Partial<Record<Channel, string>> = {};
  for (const channel of CHANNEL_NAMES) {
    const name = `OMNIMERGE_${channel.toUpperCase()}_API_URL`;
    const value = env[name];
    if (!value) continue;
    if (!URL.canParse(value)) throw new Error(`${name} must be a URL, not "${value}"`);
    urls[channel] = value;
  }
  return urls;
}

export function describeDatabase(config: Config): string {
  if (config.databaseUrl) {
    const { hosts } = parseDatabaseUrl(config.databaseUrl);
    const path = /^[a-z]+:\/\/[^/?#]*(\/[^?#]*)?/i.exec(config.databaseUrl)?.[1] ?? '';
    return `PostgreSQL at ${hosts.join(',')}${path}`;
  }
  return `embedded PGlite in ${config.dataDir}`;
}
