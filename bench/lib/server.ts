import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

// `omnimerge serve` from the build, in its own process, for benchmarks that load it over HTTP.

export const API_KEY = 'bench-key';

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface BenchServer {
  base: string;
  stop: () => Promise<void>;
}

/** Starts a server on `databaseUrl` and resolves once /healthz answers. */
export async function startBenchServer(env: Record<string, string>): Promise<BenchServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['bin/omnimerge.js', 'serve'], {
    env: { ...process.env, PORT: String(port), OMNIMERGE_API_KEY: API_KEY, LOG_LEVEL: 'warn', OMNIMERGE_RATE_LIMIT: '0', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  };
  for (let i = 0; ; i++) {
    if ((await fetch(`${base}/healthz`).catch(() => null))?.ok) break;
    if (i > 300) {
      await stop();
      throw new Error('server did not start');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { base, stop };
}

export const HEADERS = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };

/** A Telegram bot and `identities` clients that have each written once, so later messages take the known-identity path. */
export async function knownIdentities(base: string, identities: number): Promise<{ botId: string }> {
  const bot = (await (await fetch(`${base}/v1/bots`, { method: 'POST', headers: HEADERS, body: JSON.stringify({ channel: 'telegram', handle: 'bench_bot' }) })).json()) as { id: string };
  for (let i = 1; i <= identities; i += 50) {
    await Promise.all(
      Array.from({ length: 50 }, (_, k) =>
        fetch(`${base}/v1/inbound`, { method: 'POST', headers: HEADERS, body: JSON.stringify({ bot_id: bot.id, external_user_id: String(i + k), text: 'first' }) }),
      ),
    );
  }
  return { botId: bot.id };
}

/** autocannon's request list: a message from a random known identity each time. */
export function inboundRequests(botId: string, identities: number) {
  return [
    {
      method: 'POST' as const,
      headers: HEADERS,
      setupRequest: (req: object) => ({
        ...req,
        body: JSON.stringify({ bot_id: botId, external_user_id: String(1 + Math.floor(Math.random() * identities)), text: 'hello again' }),
      }),
    },
  ];
}
