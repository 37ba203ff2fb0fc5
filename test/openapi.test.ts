import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

describe('API description', () => {
  it('serves an OpenAPI 3.1 document describing every route with its request schema', async () => {
    const doc: any = await (await fetch(`${server.url}/openapi.json`)).json();
    expect(doc.openapi).toBe('3.1.0');
    const routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    for (const route of [
      'POST /v1/bots', 'GET /v1/bots', 'POST /v1/inbound', 'POST /v1/contacts', 'GET /v1/contacts', 'GET /v1/contacts/{id}',
      'PATCH /v1/contacts/{id}', 'GET /v1/contacts/{id}/conversations', 'GET /v1/conversations/{id}/messages', 'GET /v1/settings', 'PUT /v1/settings',
    ]) {
      expect(routes).toContain(route);
    }
    const inbound = doc.paths['/v1/inbound'].post;
    expect(inbound.requestBody.content['application/json'].schema.required).toEqual(expect.arrayContaining(['bot_id', 'external_user_id']));
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('serves interactive docs and a health check without a key', async () => {
    expect((await fetch(`${server.url}/docs/`)).status).toBe(200);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
  });

  it('answers unknown routes with a JSON error that points at the docs', async () => {
    const answer = await fetch(`${server.url}/v1/nothing-here`, { headers: { authorization: 'Bearer x' } });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    const nowhere = await fetch(`${server.url}/nowhere`);
    expect(nowhere.status).toBe(404);
    expect(await nowhere.json()).toEqual({ error: { code: 'not_found', message: expect.stringContaining('/docs') } });
  });

  it('refuses a body over 1 MB', async () => {
    const { apiKey } = await server.project();
    const answer = await fetch(`${server.url}/v1/contacts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x'.repeat(1_100_000) }),
    });
    expect(answer.status).toBe(413);
    expect(((await answer.json()) as any).error.code).toBe('payload_too_large');
  });
});
