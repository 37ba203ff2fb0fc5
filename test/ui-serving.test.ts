import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webUiBuilt } from '../src/http/web-ui.js';
import { client, startServer, type TestServer } from './helpers/server.js';

// The operator UI is served by the same server at /; the API keeps its paths and JSON errors.

let server: TestServer;
beforeAll(async () => {
  if (!webUiBuilt()) throw new Error('web/dist is missing: run `npm run build` (npm install runs it) before the tests');
  server = await startServer();
});
afterAll(() => server?.close());

describe('the web UI', () => {
  it('is served at / as an HTML page whose script and stylesheet load', async () => {
    const anonymous = client(server.url, null);
    const page = await anonymous('GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const assets = [...String(page.body).matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const asset of assets) {
      const answer = await anonymous('GET', asset);
      expect(answer.status, asset).toBe(200);
      expect(answer.headers.get('cache-control')).toContain('immutable');
    }
  });

  it("answers the UI's own page paths with its index.html, so a reload or a shared address works", async () => {
    const anonymous = client(server.url, null);
    for (const path of ['/sign-in', '/contacts', '/contacts/0190d7a0-0000-7000-8000-000000000000/conversations/0190d7a0-0000-7000-8000-000000000001', '/merge?a=1', '/settings']) {
      const answer = await anonymous('GET', path);
      expect(answer.status, path).toBe(200);
      expect(String(answer.body)).toContain('<div id="root">');
    }
  });

  it('leaves the API as it was: unknown API paths and missing files answer a JSON 404', async () => {
    const { api } = await server.project();
    for (const path of ['/v1/nothing-here', '/v1/contacts/x/y/z', '/assets/missing.js', '/nowhere', '/contacts.json']) {
      const answer = await api('GET', path);
      expect(answer.status, path).toBe(404);
      expect(answer.body.error.code).toBe('not_found');
    }
    expect((await api('POST', '/contacts')).body.error.code).toBe('not_found');
    expect((await api('GET', '/healthz')).status).toBe(200);
    expect((await api('GET', '/openapi.json')).body.openapi).toBe('3.1.0');
    expect((await api('GET', '/v1/settings')).status).toBe(200);
  });

  it('does not list its files in the OpenAPI document', async () => {
    const { api } = await server.project();
    const paths = Object.keys((await api('GET', '/openapi.json')).body.paths);
    expect(paths.every((path) => path.startsWith('/v1/') || path === '/healthz' || path === '/readyz' || path === '/metrics')).toBe(true);
  });
});
