import { lookup } from 'node:dns/promises';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DELIVERY, startDelivery, type DeliveryWorker } from '../src/events/delivery.js';
import { ANSWER_EXCERPT, webhookClient } from '../src/events/webhook-http.js';
import { eventually, FAST_DELIVERY } from './helpers/receiver.js';
import { startServer, type TestServer } from './helpers/server.js';

// Webhook endpoints cannot reach into the server's own network (docs/events.md, "Where endpoints may
// point"): refused when created, and again when delivered, after DNS; redirects are not followed; an
// answer is read up to 1 KB; errors do not tell an open port from a closed one.

let strict: TestServer;
let lenient: TestServer;
beforeAll(async () => {
  strict = await startServer({ allowPrivateWebhooks: false });
  lenient = await startServer({ allowPrivateWebhooks: true });
});
afterAll(async () => {
  await strict.close();
  await lenient.close();
});

const REFUSED = [
  'http://127.0.0.1:8080/hook',
  'http://127.0.0.2/',
  'http://localhost:3000/',
  'http://LOCALHOST./',
  'http://api.localhost/',
  'http://[::1]/',
  'http://0.0.0.0/',
  'http://0/',
  'http://10.1.2.3/',
  'http://172.16.0.1/',
  'http://172.31.255.255/',
  'http://192.168.1.1/',
  'http://100.64.0.1/',
  'http://169.254.169.254/latest/meta-data/',
  'http://metadata.google.internal/computeMetadata/v1/',
  'http://metadata/',
  'http://[fe80::1]/',
  'http://[fc00::1]/',
  'http://[fd12:3456::1]/',
  'http://[::ffff:127.0.0.1]/',
  'http://[::ffff:169.254.169.254]/',
  'http://[::]/',
  'http://2130706433/',
  'http://0x7f000001/',
  'http://0x7f.0.0.1/',
  'http://0177.0.0.1/',
  'http://127.1/',
  'http://017700000001/',
  'http://224.0.0.1/',
  'http://255.255.255.255/',
];

const ALLOWED = ['https://hooks.example.com/omnimerge', 'http://93.184.216.34/hook', 'http://[2606:4700:4700::1111]/hook', 'http://172.32.0.1/', 'http://11.0.0.1/'];

describe('creating a webhook endpoint', () => {
  it('refuses loopback, private, link-local, unique-local, CGNAT and metadata hosts in every IP writing, and says why', async () => {
    const { api } = await strict.project();
    const table: string[] = [];
    for (const url of REFUSED) {
      const answer = await api('POST', '/v1/webhook-endpoints', { url });
      table.push(`${url} → ${answer.status} ${answer.body.error?.message ?? ''}`);
      expect(answer.status, url).toBe(422);
      expect(answer.body.error.code, url).toBe('invalid_webhook_url');
      expect(answer.body.error.message, url).toMatch(/refused: .*(address|internal service)/);
    }
    for (const url of ALLOWED) {
      const answer = await api('POST', '/v1/webhook-endpoints', { url });
      table.push(`${url} → ${answer.status}`);
      expect(answer.status, url).toBe(201);
    }
    console.log(`webhook URLs at creation:\n${table.join('\n')}`);
    expect((await api('GET', '/v1/webhook-endpoints')).body.items).toHaveLength(ALLOWED.length);
  });

  it('accepts private addresses when the operator allows them (OMNIMERGE_WEBHOOK_ALLOW_PRIVATE=true)', async () => {
    const { api } = await lenient.project();
    for (const url of ['http://127.0.0.1:8080/hook', 'http://10.1.2.3/', 'http://intranet.internal/']) {
      expect((await api('POST', '/v1/webhook-endpoints', { url })).status, url).toBe(201);
    }
  });
});

/** An HTTP server on 127.0.0.1 that counts requests and answers with `handler`. */
async function localServer(handler: Parameters<typeof createServer>[1]): Promise<{ port: number; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const server: Server = createServer((request, response) => {
    requests++;
    handler!(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const post = { headers: { 'content-type': 'application/json' }, body: '{}' };

describe('delivering a webhook', () => {
  it('refuses at delivery time an address literal, and a host name that resolves to a private address, without connecting', async () => {
    const target = await localServer((_req, res) => res.end('internal secret'));
    const client = webhookClient({ timeoutMs: 5000, allowPrivate: false });
    try {
      const name = hostname();
      // precondition of this machine: its own name resolves to itself (/etc/hosts)
      const resolved = await lookup(name);
      expect(resolved.address).toMatch(/^(127\.|::1$|10\.|172\.(1[6-9]|2\d|3[01])\.|192\.168\.)/);
      const table: string[] = [];
      for (const url of [`http://127.0.0.1:${target.port}/`, `http://${name}:${target.port}/`, `http://[::ffff:127.0.0.1]:${target.port}/`]) {
        const answer = await client.post({ url, ...post });
        table.push(`${url} → ${JSON.stringify(answer)}`);
        expect(answer, url).toEqual({ error: expect.stringMatching(/^address refused: /) });
      }
      console.log(`webhook URLs at delivery:\n${table.join('\n')}`);
      expect(target.requests()).toBe(0);
    } finally {
      await client.close();
      await target.close();
    }
  });

  it('does not follow redirects', async () => {
    const inside = await localServer((_req, res) => res.end('ok'));
    const redirecting = await localServer((_req, res) => res.writeHead(307, { location: `http://127.0.0.1:${inside.port}/` }).end());
    const client = webhookClient({ timeoutMs: 5000, allowPrivate: true });
    try {
      expect(await client.post({ url: `http://127.0.0.1:${redirecting.port}/`, ...post })).toEqual({ status: 307, excerpt: '' });
      expect(inside.requests()).toBe(0);
    } finally {
      await client.close();
      await inside.close();
      await redirecting.close();
    }
  });

  it('reads at most 1 KB of an answer of 300 MB and keeps a short excerpt', async () => {
    let written = 0;
    const huge = await localServer((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain', 'content-length': String(300 * 1024 * 1024) });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = () => {
        while (written < 300 * 1024 * 1024 && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => res.destroy());
      pump();
    });
    const client = webhookClient({ timeoutMs: 10_000, allowPrivate: true });
    try {
      const started = Date.now();
      const answer = await client.post({ url: `http://127.0.0.1:${huge.port}/`, ...post });
      expect(answer).toEqual({ status: 500, excerpt: 'x'.repeat(ANSWER_EXCERPT) });
      expect(Date.now() - started).toBeLessThan(5000);
      // the sender hung up after the first kilobyte: the receiver could not push more than socket buffers hold
      await eventually('the receiver noticed the sender left', () => written > 0);
      await new Promise((resolve) => setTimeout(resolve, 200));
      console.log(`an answer of 300 MB: the receiver wrote ${(written / 1024 / 1024).toFixed(1)} MB before the connection closed`);
      expect(written).toBeLessThan(64 * 1024 * 1024);
    } finally {
      await client.close();
      await huge.close();
    }
  });

  it('says "connection failed" for a closed port and for an open port that does not speak HTTP alike', async () => {
    const closed = createTcpServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const sockets = new Set<Socket>();
    const notHttp = createTcpServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {}).end('SSH-2.0-OpenSSH_9.6\r\n');
    });
    await new Promise<void>((resolve) => notHttp.listen(0, '127.0.0.1', resolve));
    const client = webhookClient({ timeoutMs: 5000, allowPrivate: true });
    try {
      const answers = [
        await client.post({ url: `http://127.0.0.1:${closedPort}/`, ...post }),
        await client.post({ url: `http://127.0.0.1:${(notHttp.address() as AddressInfo).port}/`, ...post }),
      ];
      expect(answers).toEqual([{ error: 'connection failed' }, { error: 'connection failed' }]);
    } finally {
      await client.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => notHttp.close(() => resolve()));
    }
  });

  it('logs a failed delivery at warn with its endpoint and event ids, and records only the status and a short excerpt', async () => {
    const failing = await localServer((_req, res) => res.writeHead(500).end('y'.repeat(5000)));
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino(
      { level: 'warn' },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(JSON.parse(chunk.toString()));
          done();
        },
      }),
    );
    let worker: DeliveryWorker | undefined;
    try {
      const { api } = await lenient.project();
      const endpoint = (await api('POST', '/v1/webhook-endpoints', { url: `http://127.0.0.1:${failing.port}/` })).body.id;
      worker = startDelivery(lenient.store, { ...DEFAULT_DELIVERY, ...FAST_DELIVERY, allowPrivate: true }, logger);
      await api('POST', '/v1/contacts', { name: 'Ann' });
      await eventually('a failure was logged', () => lines.some((line) => line.endpoint_id === endpoint));
      const line = lines.find((l) => l.endpoint_id === endpoint)!;
      expect(line).toMatchObject({ level: 40, msg: 'webhook delivery failed', endpoint_id: endpoint, event_id: expect.any(String) });
      await eventually('the attempt is recorded', async () => (await api('GET', `/v1/webhook-endpoints/${endpoint}/deliveries`)).body.items[0]?.last_error !== null);
      const [delivery] = (await api('GET', `/v1/webhook-endpoints/${endpoint}/deliveries`)).body.items;
      expect(delivery.last_status_code).toBe(500);
      expect(delivery.last_error).toBe(`HTTP 500: ${'y'.repeat(ANSWER_EXCERPT)}`);
      expect(line.event_id).toBe(delivery.event_id);
    } finally {
      await worker?.stop();
      await failing.close();
    }
  });
});
