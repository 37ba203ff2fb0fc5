import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TelegramServer } from 'telegram-test-api/lib/telegramServer.js';

// The real Telegram Bot API emulator (the `telegram-test-api` package) started by a test, plus the two
// things it does not do that Telegram does, as small local HTTP stand-ins in front of and behind it:
// - its getMe answers every token (Telegram answers 401 Unauthorized to a revoked one): the `api` URL
//   refuses the tokens in `revoked` that way, and drops the connection for those in `unreachable`;
//   every other call goes to the emulator unchanged;
// - its webhook calls carry no `X-Telegram-Bot-Api-Secret-Token` (it stores setWebhook's secret_token
//   but never sends it): the `publicUrl` relay adds the secret_token the emulator holds for the URL
//   called, as Telegram does, and passes the call on to omnimerge.

interface Webhook {
  url: string;
  secret_token?: string;
}

export interface TelegramEmulator {
  server: TelegramServer;
  /** the Bot API base URL for omnimerge (OMNIMERGE_TELEGRAM_API_URL) */
  api: string;
  /** where the emulator's webhook calls reach omnimerge (OMNIMERGE_PUBLIC_URL) */
  publicUrl: string;
  /** omnimerge's own address, once it listens */
  forwardTo(url: string): void;
  /** what the emulator holds from setWebhook for a token */
  webhookOf(token: string): Webhook | undefined;
  revoked: Set<string>;
  unreachable: Set<string>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function pass(res: ServerResponse, url: string, req: IncomingMessage, body: Buffer, headers: Record<string, string> = {}): Promise<void> {
  const answer = await fetch(url, {
    method: req.method,
    headers: { 'content-type': req.headers['content-type'] ?? 'application/json', ...headers },
    body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
  });
  res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
  res.end(Buffer.from(await answer.arrayBuffer()));
}

export async function startTelegramEmulator(): Promise<TelegramEmulator> {
  // the emulator reads port 0 as "9000", so it gets a port found free just before
  const emulator = new TelegramServer({ port: await freePort(), host: '127.0.0.1', storeTimeout: 600 });
  await emulator.start();
  const webhooks = () => (emulator as unknown as { webhooks: Record<string, Webhook> }).webhooks;
  const revoked = new Set<string>();
  const unreachable = new Set<string>();
  let omnimerge: string | null = null;

  const front = await listen(async (req, res) => {
    const token = /^\/bot([^/]+)\//.exec(req.url ?? '')?.[1] ?? '';
    const body = await bodyOf(req);
    if (unreachable.has(token)) {
      req.socket.destroy();
      return;
    }
    if (revoked.has(token)) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error_code: 401, description: 'Unauthorized' }));
      return;
    }
    await pass(res, emulator.config.apiURL + req.url, req, body);
  });

  const relay = await listen(async (req, res) => {
    const body = await bodyOf(req);
    const webhook = Object.values(webhooks()).find((w) => w.url === relay.url + req.url);
    if (!omnimerge || !webhook) {
      res.writeHead(404).end();
      return;
    }
    await pass(res, omnimerge + req.url, req, body, webhook.secret_token ? { 'x-telegram-bot-api-secret-token': webhook.secret_token } : {});
  });

  return {
    server: emulator,
    api: front.url,
    publicUrl: relay.url,
    forwardTo: (url) => {
      omnimerge = url;
    },
    webhookOf: (token) => webhooks()[token],
    revoked,
    unreachable,
    close: async () => {
      await emulator.stop();
      await Promise.all([front.server, relay.server].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
