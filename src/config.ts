// Configuration is by environment (SPEC §9); CLI flags may override it.

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  apiKey: string | undefined;
  logLevel: string;
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
  };
}

export function describeDatabase(config: Config): string {
  if (config.databaseUrl) {
    const url = new URL(config.databaseUrl);
    return `PostgreSQL at ${url.host}${url.pathname}`;
  }
  return `embedded PGlite in ${config.dataDir}`;
}
