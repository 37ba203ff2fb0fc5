import { CHANNEL_NAMES, type Channel } from './domain/channels.js';

// Configuration is by environment (README.md); CLI flags may override it.

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  apiKey: string | undefined;
  logLevel: string;
  /** OMNIMERGE_<CHANNEL>_API_URL: where a messenger's API is (tests, proxies); unset = its public URL */
  messengerApiUrls: Partial<Record<Channel, string>>;
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
  };
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
    const url = new URL(config.databaseUrl);
    return `PostgreSQL at ${url.host}${url.pathname}`;
  }
  return `embedded PGlite in ${config.dataDir}`;
}
