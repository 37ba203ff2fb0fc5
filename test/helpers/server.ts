import type { AddressInfo } from 'node:net';
import type { MessengerApiUrls } from '../../src/channels/index.js';
import { DEFAULT_DELIVERY, startDelivery, type DeliveryOptions } from '../../src/events/delivery.js';
import type { RateLimits } from '../../src/http/rate-limits.js';
import { DEFAULT_SENDING, type SendingOptions } from '../../src/events/outgoing.js';
import { CLAIM_MARK } from '../../src/store/outgoing.js';
import { buildServer } from '../../src/http/server.js';
import { openStore, type Store, type StoreOptions } from '../../src/store/database.js';
import type { LiveOptions } from '../../src/http/routes/live.js';
import { createProject } from '../../src/usecases/create-project.js';
import { checkAnswer } from './contract.js';
import { privateDatabase } from './databases.js';

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
  /** the PostgreSQL database this server alone was given (see `delivery`), for a second server on it */
  databaseUrl?: string;
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
  /** OMNIMERGE_PUBLIC_URL: where messengers reach the server, to register their webhooks */
  publicUrl?: string;
  /**
   * runs webhook delivery in the server, as `omnimerge serve` does, with these options over the defaults.
   * On PostgreSQL such a server gets a database of its own unless one is named: every other server of
   * the suite delivers every project's events too, with its own options (a production server refuses
   * the 127.0.0.1 receivers; a killed one holds its lease for 21 s), so a test watching its worker
   * would otherwise see another's.
   */
  delivery?: Partial<DeliveryOptions>;
  /**
   * OMNIMERGE_WEBHOOK_ALLOW_PRIVATE for this server (creating endpoints and delivering). True by default:
   * test receivers listen on 127.0.0.1, which a production server refuses.
   */
  allowPrivateWebhooks?: boolean;
  /** the server's rate limits instead of the defaults */
  rateLimits?: RateLimits;
  /** another database than the suite's (DATABASE_URL or an in-memory PGlite), with store options */
  database?: Omit<StoreOptions, 'onQuery'>;
  /** the sending worker's options over the defaults (it always runs, as in `omnimerge serve`) */
  sending?: Partial<SendingOptions>;
  /** a PostgreSQL database of its own instead of DATABASE_URL's (see `privateDatabase`) */
  databaseUrl?: string;
  /** the live stream's timings over the defaults (GET /v1/events/stream) */
  live?: Partial<LiveOptions>;
}

export async function startServer(options: TestServerOptions = {}): Promise<TestServer> {
  let count = 0;
  const own = options.delivery && !options.databaseUrl && !options.database ? await privateDatabase() : undefined;
  const databaseUrl = options.databaseUrl ?? own?.url;
  const store = await openStore({
    databaseUrl: databaseUrl ?? process.env.DATABASE_URL,
    // a database of the test's own is migrated directly, not through the suite's migration URL
    migrationDatabaseUrl: options.database || databaseUrl ? undefined : process.env.OMNIMERGE_MIGRATION_DATABASE_URL,
    dataDir: 'memory://',
    poolSize: 40,
    ...options.database,
    // the sending worker polls in the background: its claims are not the API call's statements
    onQuery: (event) => {
      if (!event.query.sql.includes(CLAIM_MARK)) count++;
    },
  });
  const allowPrivateWebhooks = options.allowPrivateWebhooks ?? true;
  // test servers may share a PostgreSQL, each with its own messenger stand-ins: each sends for its own projects
  const projects = new Set<string>();
  const app = await buildServer({
    store,
    logger: false,
    messengerApiUrls: options.messengerApiUrls,
    allowPrivateWebhooks,
    rateLimits: options.rateLimits,
    publicUrl: options.publicUrl,
    sending: { ...DEFAULT_SENDING, projects, ...options.sending },
    live: options.live,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const delivery = options.delivery ? startDelivery(store, { ...DEFAULT_DELIVERY, allowPrivate: allowPrivateWebhooks, ...options.delivery }) : null;
  return {
    url,
    store,
    databaseUrl,
    queries: () => count,
    project: async (name = 'test') => {
      const { api_key, project_id } = await createProject(store, name);
      projects.add(project_id);
      return { apiKey: api_key, projectId: project_id, api: client(url, api_key) };
    },
    close: async () => {
      await app.close();
      await delivery?.stop();
      await store.close();
      await own?.drop();
    },
  };
}

/** A bot of the given channel in the project, ready for inbound messages. */
export async function connectBot(api: Api, channel: string | number = 'telegram', handle = 'shop_bot'): Promise<{ id: string; channel: string }> {
  const answer = await api('POST', '/v1/bots', { channel, handle });
  if (answer.status !== 201) throw new Error(`could not connect a bot: ${JSON.stringify(answer.body)}`);
  return answer.body;
}
