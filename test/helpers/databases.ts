import pg from 'pg';

/**
 * A PostgreSQL database for one test alone when DATABASE_URL is set, dropped by `drop`; `url` is
 * undefined on the embedded database, whose instances are private already. Every `omnimerge serve`
 * publishes and delivers every project's events and sends every project's queued messages: a test that
 * watches its own worker, or counts process-wide figures, needs a database no other file's server uses.
 */
export async function privateDatabase(): Promise<{ url: string | undefined; drop: () => Promise<void> }> {
  const shared = process.env.DATABASE_URL;
  if (!shared) return { url: undefined, drop: async () => {} };
  const name = `omnimerge_private_${process.pid}_${Date.now()}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: shared });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(shared);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
