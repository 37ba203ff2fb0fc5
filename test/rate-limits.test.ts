import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.js';
import { connectMessengerBot, fixture, postRaw, SECRETS, SIGN } from './helpers/messengers.js';
import { startServer, type TestServer } from './helpers/server.js';

// Rate limits over real HTTP. Clients on 127.0.0.2 and 127.0.0.3 are other addresses to the server (the
// whole 127/8 block is loopback), so one test can play an attacker and a customer side by side.

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

function call(url: string, from: string, method: string, path: string, apiKey: string | null): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url + path, { method, localAddress: from, headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : null });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('failed authentication per address', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ rateLimits: { requestsPerMinute: 6000, authFailuresPerMinute: 20 } });
  });
  afterAll(() => server?.close());

  it('answers 429 with Retry-After to an address that keeps sending wrong keys, while a good key from another address keeps working', async () => {
    const { apiKey } = await server.project();
    const statuses: number[] = [];
    let last: Reply | undefined;
    for (let i = 0; i < 30; i++) {
      last = await call(server.url, '127.0.0.2', 'GET', '/v1/contacts', `wrong-key-${i}`);
      statuses.push(last.status);
      const customer = await call(server.url, '127.0.0.3', 'GET', '/v1/contacts', apiKey);
      expect(customer.status).toBe(200);
    }
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(statuses.slice(20)).toEqual(Array(10).fill(429));
    expect(last!.body).toEqual({ error: { code: 'rate_limited', message: expect.stringMatching(/failed authentications/) } });
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(last!.headers['retry-after'])).toBeLessThanOrEqual(60);

    // a request without any key counts as a failure too, and is refused the same way
    const bare = await call(server.url, '127.0.0.2', 'GET', '/v1/contacts', null);
    expect(bare.status).toBe(429);
    expect(bare.body.error.code).toBe('rate_limited');
  });

  it('lets a refused address go on with a key that has just worked, and refuses it new guesses', async () => {
    const { apiKey } = await server.project();
    expect((await call(server.url, '127.0.0.4', 'GET', '/v1/contacts', apiKey)).status).toBe(200);
    for (let i = 0; i < 21; i++) await call(server.url, '127.0.0.4', 'GET', '/v1/contacts', `guess-${i}`);
    expect((await call(server.url, '127.0.0.4', 'GET', '/v1/contacts', 'guess-again')).status).toBe(429);
    expect((await call(server.url, '127.0.0.4', 'GET', '/v1/contacts', apiKey)).status).toBe(200);
  });
});

describe('requests per API key', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ rateLimits: { requestsPerMinute: 30, authFailuresPerMinute: 20 } });
  });
  afterAll(() => server?.close());

  it('answers 429 rate_limited with Retry-After past the per-key limit, and other keys are not affected', async () => {
    const busy = await server.project('busy');
    const calm = await server.project('calm');
    const statuses: number[] = [];
    for (let i = 0; i < 35; i++) statuses.push((await busy.api('GET', '/v1/settings')).status);
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(200));
    expect((await calm.api('GET', '/v1/settings')).headers.get('x-ratelimit-remaining')).toBe('29');
    expect(statuses.slice(30)).toEqual(Array(5).fill(429));
    const refused = await busy.api('GET', '/v1/contacts');
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ error: { code: 'rate_limited', message: expect.stringMatching(/more than 30 requests in a minute/) } });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('content-type')).toMatch(/^application\/json/);

    expect((await calm.api('GET', '/v1/settings')).status).toBe(200);
  });

  it('does not count messenger webhooks or /healthz against any limit', async () => {
    const { api } = await server.project('messenger');
    const bot = await connectMessengerBot(api, 'telegram');
    const body = fixture('telegram', 'message-text');
    for (let i = 0; i < 40; i++) {
      const answer = await postRaw(server.url + bot.webhook_path, body, SIGN.telegram(body, SECRETS.telegram));
      expect(answer.status).toBe(200);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    }
  });
});

describe('settings', () => {
  it('reads the limits from OMNIMERGE_RATE_LIMIT and OMNIMERGE_AUTH_FAILURE_LIMIT, and refuses what is not a count', () => {
    expect(readConfig({}).rateLimits).toEqual({ requestsPerMinute: 6000, authFailuresPerMinute: 20 });
    expect(readConfig({ OMNIMERGE_RATE_LIMIT: '0', OMNIMERGE_AUTH_FAILURE_LIMIT: '5' }).rateLimits).toEqual({ requestsPerMinute: 0, authFailuresPerMinute: 5 });
    expect(() => readConfig({ OMNIMERGE_RATE_LIMIT: 'lots' })).toThrow(/OMNIMERGE_RATE_LIMIT must be a whole number/);
    expect(() => readConfig({ OMNIMERGE_AUTH_FAILURE_LIMIT: '-1' })).toThrow(/OMNIMERGE_AUTH_FAILURE_LIMIT/);
  });
});
