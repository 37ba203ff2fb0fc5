import { CHANNEL_NAMES, type Channel } from './domain/channels.js';
import { parseDatabaseUrl } from './store/database-url.js';

// Configuration is by environment (SPEC §9); CLI flags may override it.

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  apiKey: string | undefined;
  logLevel: string;
  /** OMNIMERGE_<CHANNEL>_API_URL: where a messenger's API is (tests, proxies); unset = its public URL */
  messengerApiUrls: Partial<Record<Channel, string>>;
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
    apiKey: flags.apiKey ?? (env.OMNIMERGE_API_KEY || undefined),
    logLevel: flags.logLevel ?? env.LOG_LEVEL ?? 'info',
    messengerApiUrls: flags.messengerApiUrls ?? readMessengerApiUrls(env),
    dbConnectTimeoutMs: flags.dbConnectTimeoutMs ?? milliseconds(env, 'OMNIMERGE_DB_CONNECT_TIMEOUT_MS', 3000),
    dbQueryTimeoutMs: flags.dbQueryTimeoutMs ?? milliseconds(env, 'OMNIMERGE_DB_QUERY_TIMEOUT_MS', 15000),
  };
}

function milliseconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number of milliseconds, not "${text}"`);
  return value;
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
