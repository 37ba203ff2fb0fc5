import type { AddressInfo } from 'node:net';
import type { MessengerApiUrls } from '../../src/channels/index.js';
import { DEFAULT_DELIVERY, startDelivery, type DeliveryOptions } from '../../src/events/delivery.js';
import { buildServer } from '../../src/http/server.js';
import { openStore, type Store } from '../../src/store/database.js';
import { createProject } from '../../src/usecases/create-project.js';
import { checkAnswer } from './contract.js';

// Tests talk HTTP to a real server on a real database: PostgreSQL when DATABASE_URL is set (CI runs the
// suite both ways), otherwise an in-memory PGlite. Each test makes its own project, so tests never see
// each other's data — the same isolation the API promises between projects. Every answer is checked
// against the server's own OpenAPI document (./contract.ts): a test fails on an undocumented answer.

export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export type Api = <T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Answer<T>>;

export interface TestServer {
  url: string;
  store: Store;
  /** how many statements the server has sent to the database so far */
  queries: () => number;
  /** a new project and a client that calls the API with its key */
  project: (name?: string) => Promise<{ apiKey: string; projectId: string; api: Api }>;
  close: () => Promise<void>;
}

export function client(url: string, apiKey: string | null): Api {
  return async (method, path, body, headers = {}) => {
    const response = await fetch(url + path, {
      method,
      headers: {
        ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    const contentType = response.headers.get('content-type');
    let parsed: unknown = text === '' ? null : text;
    if (text !== '' && (contentType === null || /json/.test(contentType))) {
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON after all: the raw text is the answer
      }
    }
    await checkAnswer(url, method, path, { status: response.status, contentType, body: parsed });
    return { status: response.status, body: parsed as any, headers: response.headers };
  };
}

export interface TestServerOptions {
  /** points the messenger connectors at local test servers */
  messengerApiUrls?: MessengerApiUrls;
  /** runs webhook delivery in the server, as `omnimerge serve` does, with these options over the defaults */
  delivery?: Partial<DeliveryOptions>;
}

export async function startServer(options: TestServerOptions = {}): Promise<TestServer> {
  let count = 0;
  const store = await openStore({
    databaseUrl: process.env.DATABASE_URL,
    dataDir: 'memory://',
    poolSize: 40,
    onQuery: () => {
      count++;
    },
  });
  const app = await buildServer({ store, logger: false, messengerApiUrls: options.messengerApiUrls });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const delivery = options.delivery ? startDelivery(store, { ...DEFAULT_DELIVERY, ...options.delivery }) : null;
  return {
    url,
    store,
    queries: () => count,
    project: async (name = 'test') => {
      const { api_key, project_id } = await createProject(store, name);
      return { apiKey: api_key, projectId: project_id, api: client(url, api_key) };
    },
    close: async () => {
      await app.close();
      await delivery?.stop();
      await store.close();
    },
  };
}

/** A bot of the given channel in the project, ready for inbound messages. */
export async function connectBot(api: Api, channel: string | number = 'telegram', handle = 'shop_bot'): Promise<{ id: string; channel: string }> {
  const answer = await api('POST', '/v1/bots', { channel, handle });
  if (answer.status !== 201) throw new Error(`could not connect a bot: ${JSON.stringify(answer.body)}`);
  return answer.body;
}
