import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

// A local stand-in for the messengers' HTTP APIs: records each request and answers like the real
// API does (success by default, or what a test queues), so connector tests check real request shapes.

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  text: string;
  json: any;
  form: Record<string, string> | null;
  /** Date.now() when it arrived */
  at: number;
}

export interface FakeAnswer {
  status: number;
  /** sent as is when a string (e.g. Viber's unquoted 64-bit tokens), else as JSON */
  body: unknown;
  headers?: Record<string, string>;
}

let telegramMessageId = 4241;
let viberMessageToken = 5741311803571721086n;

/**
 * What each API answers to a successful send, as documented (path suffix → answer). Telegram counts its
 * message ids up from 4242, Viber its 64-bit tokens from 5741311803571721087 (outside JSON's safe integers).
 */
const SUCCESS: Array<[RegExp, FakeAnswer | (() => FakeAnswer)]> = [
  // connecting a bot: Telegram's getMe names the bot the outbound tests connect as "shop"
  [/\/getMe$/, { status: 200, body: { ok: true, result: { id: 7000001, is_bot: true, first_name: 'Shop', username: 'shop' } } }],
  [/\/(setWebhook|deleteWebhook)$/, { status: 200, body: { ok: true, result: true, description: 'Webhook was set' } }],
  [/\/pa\/set_webhook$/, { status: 200, body: { status: 0, status_message: 'ok', event_types: ['delivered', 'seen', 'failed', 'subscribed', 'unsubscribed', 'conversation_started'] } }],
  [/\/sendMessage$/, () => ({ status: 200, body: { ok: true, result: { message_id: ++telegramMessageId, date: 1717000000, chat: { id: 1111111, type: 'private' }, text: 'hi' } } })],
  [/\/me\/messages$/, { status: 200, body: { recipient_id: '6789012345678901', message_id: 'm_out_1' } }],
  [/\/\d+\/messages$/, { status: 200, body: { messaging_product: 'whatsapp', contacts: [{ input: '16505551234', wa_id: '16505551234' }], messages: [{ id: 'wamid.OUT1' }] } }],
  [/\/pa\/send_message$/, () => ({ status: 200, body: `{"status":0,"status_message":"ok","message_token":${++viberMessageToken},"chat_hostname":"SN-CHAT-05_"}` })],
  [/\/messages\.send$/, { status: 200, body: { response: 777 } }],
  [/\/v2\/bot\/message\/push$/, { status: 200, body: { sentMessages: [{ id: '461230966842064897', quoteToken: 'IStG5h1Tz7b...' }] } }],
];

export interface FakeMessengerApi {
  url: string;
  requests: RecordedRequest[];
  /** the next answers, in order, before the default success */
  queue(...answers: FakeAnswer[]): void;
  /** true: requests are recorded but not answered (a messenger that took the request and hangs) */
  hold: boolean;
  close(): Promise<void>;
}

/** The stand-in on a free port, or on `port` (to bring a "messenger" back where it was down). */
export async function startMessengerApi(port = 0): Promise<FakeMessengerApi> {
  const requests: RecordedRequest[] = [];
  const queued: FakeAnswer[] = [];
  const fake = { hold: false };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '';
      const isForm = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
      let json: unknown = null;
      try {
        json = isForm ? null : JSON.parse(text);
      } catch {
        json = null;
      }
      requests.push({ method: req.method ?? '', path, headers: req.headers, text, json, form: isForm ? Object.fromEntries(new URLSearchParams(text)) : null, at: Date.now() });
      if (fake.hold) return;
      const success = SUCCESS.find(([pattern]) => pattern.test(path))?.[1];
      const answer = queued.shift() ?? (typeof success === 'function' ? success() : success) ?? { status: 404, body: { error: `no fake for ${path}` } };
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return Object.assign(fake, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    queue: (...answers: FakeAnswer[]) => void queued.push(...answers),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
