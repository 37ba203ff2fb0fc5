import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A small MAX Bot API stand-in served by the test, answering as the official schema says
// (max-messenger/api-schema, schema.yaml version 0.0.33):
// - every call needs the bot's token in the `Authorization` header, else 401 with the schema's `Error`
//   body `{code, message}`;
// - GET /me → `BotInfo`; POST /subscriptions (`SubscriptionRequestBody`: an https:// url, a secret of
//   5–256 `[A-Za-z0-9_-]`) → `SimpleQueryResult`; GET /subscriptions → `GetSubscriptionsResult`;
//   DELETE /subscriptions?url= → `SimpleQueryResult`;
// - POST /messages?user_id= with a `NewMessageBody` (text ≤ 4000) → `SendMessageResult`; 403 when the
//   user stopped the bot;
// - `deliver` plays MAX's webhook side: it posts an Update to the bot's subscription with the
//   subscription's secret in `X-Max-Bot-Api-Secret`. The subscription's https:// origin is the public
//   URL given to omnimerge; the stand-in reaches omnimerge at its local address instead.

export interface MaxBot {
  token: string;
  user_id: number;
  first_name: string;
  username: string | null;
}

export interface MaxSubscription {
  url: string;
  time: number;
  update_types: string[] | null;
  secret: string | null;
}

export interface MaxRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  json: any;
  at: number;
}

export interface MaxAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface MaxApi {
  url: string;
  requests: MaxRequest[];
  subscriptions: Map<string, MaxSubscription[]>;
  /** user ids that stopped a bot: sending to them answers 403 */
  stopped: Set<number>;
  /** what the next POST /messages answer, in order, before the schema's success */
  queueSend(...answers: MaxAnswer[]): void;
  addBot(bot: MaxBot): void;
  /** posts an update to the bot's subscription, as MAX does; `secret` overrides the subscription's */
  deliver(token: string, update: unknown, options?: { secret?: string | null }): Promise<{ status: number; body: string; contentType: string | null; url: string }>;
  close(): Promise<void>;
}

const error = (status: number, code: string, message: string): MaxAnswer => ({ status, body: { code, message } });

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startMaxApi(options: { publicUrl: string }): Promise<MaxApi & { reach(localUrl: string): void }> {
  const bots = new Map<string, MaxBot>();
  const subscriptions = new Map<string, MaxSubscription[]>();
  const requests: MaxRequest[] = [];
  const stopped = new Set<number>();
  const sendQueue: MaxAnswer[] = [];
  let omnimerge: string | null = null;
  let mid = 0;

  function answer(req: IncomingMessage, path: string, query: URLSearchParams, json: any): MaxAnswer {
    const bot = bots.get(req.headers.authorization ?? '');
    if (!bot) return error(401, 'verify.token', 'Invalid access_token');
    const route = `${req.method} ${path}`;
    if (route === 'GET /me') {
      return { status: 200, body: { user_id: bot.user_id, first_name: bot.first_name, last_name: null, username: bot.username, is_bot: true, last_activity_time: Date.now(), description: null, avatar_url: null, full_avatar_url: null, commands: null } };
    }
    if (route === 'POST /subscriptions') {
      if (typeof json?.url !== 'string' || !json.url.startsWith('https://')) return error(400, 'proto.payload', 'url: must start with https://');
      if (json.secret !== undefined && (typeof json.secret !== 'string' || !/^[\w-]{5,256}$/.test(json.secret))) return error(400, 'proto.payload', 'secret: 5-256 characters of A-Z, a-z, 0-9, _ and -');
      const list = (subscriptions.get(bot.token) ?? []).filter((s) => s.url !== json.url);
      list.push({ url: json.url, time: Date.now(), update_types: json.update_types ?? null, secret: json.secret ?? null });
      subscriptions.set(bot.token, list);
      return { status: 200, body: { success: true } };
    }
    if (route === 'GET /subscriptions') {
      return { status: 200, body: { subscriptions: (subscriptions.get(bot.token) ?? []).map(({ secret: _secret, ...s }) => s) } };
    }
    if (route === 'DELETE /subscriptions') {
      const url = query.get('url');
      if (!url) return error(400, 'proto.payload', 'url is required');
      subscriptions.set(bot.token, (subscriptions.get(bot.token) ?? []).filter((s) => s.url !== url));
      return { status: 200, body: { success: true } };
    }
    if (route === 'POST /messages') {
      const userId = query.get('user_id');
      if (userId === null || !/^\d+$/.test(userId)) return error(400, 'proto.payload', 'user_id or chat_id is required');
      if (json === null || typeof json !== 'object') return error(400, 'proto.payload', 'body must be a NewMessageBody');
      if (typeof json.text === 'string' && json.text.length > 4000) return error(400, 'proto.payload', 'text: size must be between 0 and 4000');
      const queued = sendQueue.shift();
      if (queued) return queued;
      if (stopped.has(Number(userId))) return error(403, 'chat.denied', 'chat.denied: dialog.suspended');
      const now = Date.now();
      return {
        status: 200,
        body: {
          message: {
            sender: { user_id: bot.user_id, first_name: bot.first_name, username: bot.username, is_bot: true },
            recipient: { chat_id: 90_000_000 + Number(userId), chat_type: 'dialog', user_id: Number(userId) },
            timestamp: now,
            body: { mid: `mid.out${String(++mid).padStart(8, '0')}`, seq: mid, text: json.text ?? null, attachments: null },
          },
        },
      };
    }
    return error(404, 'not.found', `no method ${route}`);
  }

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const text = await bodyOf(req);
    const url = new URL(req.url ?? '/', 'http://max.local');
    let json: any = null;
    try {
      json = text === '' ? null : JSON.parse(text);
    } catch {
      json = null;
    }
    requests.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, authorization: req.headers.authorization, json, at: Date.now() });
    const reply = answer(req, url.pathname, url.searchParams, json);
    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    res.end(JSON.stringify(reply.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    subscriptions,
    stopped,
    queueSend: (...answers) => void sendQueue.push(...answers),
    addBot: (bot) => void bots.set(bot.token, bot),
    reach: (localUrl) => {
      omnimerge = localUrl;
    },
    async deliver(token, update, { secret } = {}) {
      const subscription = subscriptions.get(token)?.[0];
      if (!subscription || !omnimerge) throw new Error('the bot has no subscription to deliver to');
      const target = omnimerge + subscription.url.slice(options.publicUrl.length);
      const sent = secret === undefined ? subscription.secret : secret;
      const response = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(sent === null ? {} : { 'x-max-bot-api-secret': sent }) },
        // a string is sent as it is (ids past JSON's safe integers)
        body: typeof update === 'string' ? update : JSON.stringify(update),
      });
      return { status: response.status, body: await response.text(), contentType: response.headers.get('content-type'), url: target };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
