import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOmnimergeClient,
  OmnimergeError,
  paginate,
  unwrap,
  verifyWebhook,
  WebhookVerificationError,
  type EventOf,
  type OmnimergeEvent,
} from '../sdk/src/index.js';
import { signDelivery } from '../src/events/signature.js';
import { checkAnswer } from './helpers/contract.js';
import { startServer, type TestServer } from './helpers/server.js';

// The SDK (sdk/) against a running server: its types are generated from the document the server serves.

/** fetch for the SDK that also checks every answer against the served document, like the shared test client */
async function checkedFetch(request: Request): Promise<Response> {
  const response = await fetch(request);
  const text = await response.clone().text();
  const contentType = response.headers.get('content-type');
  const body = text === '' ? null : contentType?.includes('json') ? JSON.parse(text) : text;
  const { origin, pathname } = new URL(request.url);
  await checkAnswer(origin, request.method, pathname, { status: response.status, contentType, body });
  return response;
}

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

describe('TypeScript SDK', () => {
  it('is generated from the document the server serves (npm run sdk:generate leaves nothing to change)', async () => {
    const served = await (await fetch(`${server.url}/openapi.json`)).json();
    const committed = JSON.parse(await readFile(join(process.cwd(), 'sdk/openapi.json'), 'utf8'));
    expect(committed, 'sdk/openapi.json is stale: run npm run sdk:generate').toEqual(served);
    const dir = await mkdtemp(join(tmpdir(), 'omnimerge-sdk-'));
    try {
      await writeFile(join(dir, 'openapi.json'), JSON.stringify(served));
      const cli = join(process.cwd(), 'node_modules/openapi-typescript/bin/cli.js');
      await promisify(execFile)(process.execPath, [cli, join(dir, 'openapi.json'), '-o', join(dir, 'schema.d.ts')], { cwd: dir });
      const generated = await readFile(join(dir, 'schema.d.ts'), 'utf8');
      expect(generated === (await readFile(join(process.cwd(), 'sdk/src/schema.d.ts'), 'utf8')), 'sdk/src/schema.d.ts is stale: run npm run sdk:generate').toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('connects a bot, resolves a message, reads the contact and pages through contacts with the API key', async () => {
    const { apiKey } = await server.project();
    const client = createOmnimergeClient({ baseUrl: server.url, apiKey, fetch: checkedFetch });
    const bot = await unwrap(client.POST('/v1/bots', { body: { channel: 'telegram', handle: 'sdk_bot' } }));
    expect(bot).toMatchObject({ channel: 'telegram', handle: 'sdk_bot' });
    const inbound = await unwrap(
      client.POST('/v1/inbound', { body: { bot_id: bot.id, external_user_id: '7', message_id: '1', text: 'hi', profile: { name: 'Ann' } } }),
    );
    expect(inbound.created).toBe(true);
    const card = await unwrap(client.GET('/v1/contacts/{id}', { params: { path: { id: inbound.contact_id } } }));
    expect(card.identities.map((i) => i.external_user_id)).toEqual(['7']);
    for (const name of ['Bob', 'Cid', 'Dan', 'Eve']) await unwrap(client.POST('/v1/contacts', { body: { name } }));

    const pages: number[] = [];
    const names: Array<string | null> = [];
    for await (const contact of paginate((cursor) => {
      pages.push(1);
      return client.GET('/v1/contacts', { params: { query: { cursor, limit: 2 } } });
    })) {
      names.push(contact.name);
    }
    expect(names.sort()).toEqual(['Ann', 'Bob', 'Cid', 'Dan', 'Eve']);
    expect(pages.length).toBe(3);
  });

  it("throws an OmnimergeError with the server's code and message", async () => {
    const { apiKey } = await server.project();
    const client = createOmnimergeClient({ baseUrl: server.url, apiKey, fetch: checkedFetch });
    const missing = '01a2012b-5356-7420-b7c3-964c90b894f6';
    const error = await unwrap(client.GET('/v1/contacts/{id}', { params: { path: { id: missing } } })).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(OmnimergeError);
    expect(error).toMatchObject({ status: 404, code: 'contact_not_found' });
    const wrongKey = createOmnimergeClient({ baseUrl: server.url, apiKey: 'om_wrong', fetch: checkedFetch });
    await expect(unwrap(wrongKey.GET('/v1/bots'))).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('retries 429 and 503 answers with backoff, honouring Retry-After, then gives the answer', async () => {
    let calls = 0;
    const flaky: Server = createServer((request, response) => {
      calls++;
      if (calls === 1) return response.writeHead(429, { 'retry-after': '0', 'content-type': 'application/json' }).end('{"error":{"code":"rate_limited","message":"slow down"}}');
      if (calls === 2) return response.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"code":"unavailable","message":"later"}}');
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: [] }));
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    try {
      const baseUrl = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`;
      const client = createOmnimergeClient({ baseUrl, apiKey: 'k', retry: { minDelayMs: 10 } });
      await expect(unwrap(client.GET('/v1/bots'))).resolves.toEqual({ items: [] });
      expect(calls).toBe(3);
      calls = 0;
      const impatient = createOmnimergeClient({ baseUrl, apiKey: 'k', retry: false });
      await expect(unwrap(impatient.GET('/v1/bots'))).rejects.toMatchObject({ status: 429, code: 'rate_limited' });
    } finally {
      await new Promise((resolve) => flaky.close(resolve));
    }
  });

  it("verifies a delivery signed the server's way and gives a typed event; refuses an altered body or a late replay", async () => {
    const { apiKey } = await server.project();
    const client = createOmnimergeClient({ baseUrl: server.url, apiKey, fetch: checkedFetch });
    const contact = await unwrap(client.POST('/v1/contacts', { body: { name: 'Ann' } }));
    const { items } = await unwrap(client.GET('/v1/events', { params: { query: { after: '0' } } }));
    const created = items.find((e) => e.contact_id === contact.id)!;
    const raw = JSON.stringify(created);
    const secret = 'whsec_test_secret_0123456789';
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = { 'x-omnimerge-signature': signDelivery(secret, timestamp, raw), 'x-omnimerge-timestamp': String(timestamp) };

    const event: OmnimergeEvent = await verifyWebhook(raw, headers, secret);
    if (event.type !== 'contact.created') throw new Error(`expected contact.created, got ${event.type}`);
    const typed: EventOf<'contact.created'> = event;
    expect(typed.data.contact.name).toBe('Ann');
    expect(typed.data.identity).toBeNull();
    await expect(verifyWebhook(new TextEncoder().encode(raw), new Headers(headers), secret)).resolves.toMatchObject({ id: created.id });

    await expect(verifyWebhook(raw.replace('Ann', 'Eve'), headers, secret)).rejects.toBeInstanceOf(WebhookVerificationError);
    await expect(verifyWebhook(raw, headers, 'another secret')).rejects.toBeInstanceOf(WebhookVerificationError);
    await expect(verifyWebhook(raw, headers, secret, { now: Date.now() + 3_600_000 })).rejects.toThrow(/replay/);
  });
});
