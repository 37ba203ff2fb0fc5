import SwaggerParser from '@apidevtools/swagger-parser';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_STATUS } from '../src/domain/errors.js';
import { EVENT_TYPES } from '../src/events/types.js';
import { client, startServer, type TestServer } from './helpers/server.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

async function servedDocument(): Promise<any> {
  return (await fetch(`${server.url}/openapi.json`)).json();
}

function operations(doc: any): Array<{ route: string; op: any }> {
  return Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
  );
}

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

  it('serves a document that @apidevtools/swagger-parser calls valid', async () => {
    // validate() dereferences in place: give it a copy
    await expect(SwaggerParser.validate(structuredClone(await servedDocument()))).resolves.toBeTruthy();
  });

  it('serves a document @redocly/cli lint finds no errors in', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'omnimerge-openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      await writeFile(file, JSON.stringify(await servedDocument()));
      const cli = join(process.cwd(), 'node_modules/@redocly/cli/bin/cli.js');
      const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };
      const run = await promisify(execFile)(process.execPath, [cli, 'lint', file, '--format=json'], { env, cwd: dir, maxBuffer: 64 * 1024 * 1024 }).catch(
        (err: { stdout: string; stderr: string }) => err,
      );
      const problems: Array<{ severity: string; ruleId: string; message: string; location: Array<{ pointer: string }> }> = JSON.parse(run.stdout).problems;
      const errors = problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`);
      expect(errors).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names every operation (a unique operationId), sums it up and tags it', async () => {
    const doc = await servedDocument();
    const missing = operations(doc).filter(({ op }) => !/^[a-z][A-Za-z]+$/.test(op.operationId ?? '') || !op.summary || !op.tags?.length);
    expect(missing.map((m) => m.route)).toEqual([]);
    const ids = operations(doc).map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['createContact', 'mergeContacts', 'createMergeLink', 'listContacts', 'getContact', 'receiveInbound', 'receiveChannelWebhook', 'verifyChannelWebhook']));
  });

  it('describes every answer: a description, a named schema for each JSON body, errors as the shared Error', async () => {
    const doc = await servedDocument();
    expect(doc.servers?.length).toBeGreaterThan(0);
    const faults: string[] = [];
    for (const { route, op } of operations(doc)) {
      for (const [status, response] of Object.entries(op.responses as Record<string, any>)) {
        if (!response.description || response.description === 'Default Response') faults.push(`${route} ${status}: no description`);
        for (const [type, media] of Object.entries((response.content ?? {}) as Record<string, any>)) {
          const ref: string | undefined = media.schema?.$ref;
          if (type === 'application/json' && !ref) faults.push(`${route} ${status}: the body is not a named schema`);
          if (Number(status) >= 400 && ref !== '#/components/schemas/Error') faults.push(`${route} ${status}: the error is not the shared Error`);
        }
      }
      const statuses = Object.keys(op.responses);
      if (op.security?.length !== 0 && !statuses.includes('401')) faults.push(`${route}: 401 is not documented`);
      if (op.requestBody && !['413', '400'].every((s) => statuses.includes(s))) faults.push(`${route}: 400 or 413 is not documented`);
    }
    expect(faults).toEqual([]);
  });

  it("documents Meta's handshake parameters as query parameters", async () => {
    const doc = await servedDocument();
    const query = doc.paths['/v1/channels/{channel}/{bot_id}'].get.parameters.filter((p: any) => p.in === 'query').map((p: any) => p.name);
    expect(query.sort()).toEqual(['hub.challenge', 'hub.mode', 'hub.verify_token']);
  });

  it('describes every event type with its own payload, discriminated on type', async () => {
    const doc = await servedDocument();
    const event = doc.components.schemas.Event;
    expect(event.discriminator.propertyName).toBe('type');
    expect(Object.keys(event.discriminator.mapping).sort()).toEqual([...EVENT_TYPES].sort());
    for (const target of Object.values(event.discriminator.mapping) as string[]) {
      const name = target.replace('#/components/schemas/', '');
      expect(doc.components.schemas[name]?.properties?.data, name).toBeDefined();
    }
  });

  it('lists every error code in the error table of docs/api.md with its status', async () => {
    const { readFile } = await import('node:fs/promises');
    const table = await readFile(join(process.cwd(), 'docs/api.md'), 'utf8');
    const rows = new Map([...table.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]));
    expect(Object.fromEntries(rows)).toEqual(ERROR_STATUS);
  });

  it('serves interactive docs and a health check without a key', async () => {
    expect((await fetch(`${server.url}/docs/`)).status).toBe(200);
    const health = await client(server.url, null)('GET', '/healthz');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
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

describe('contract check of the test client', () => {
  it('refuses an answer the document does not describe: a wrong body, an unlisted status, a wrong content type', async () => {
    const { checkAnswer } = await import('./helpers/contract.js');
    const json = 'application/json; charset=utf-8';
    await expect(checkAnswer(server.url, 'GET', '/v1/contacts', { status: 200, contentType: json, body: { items: [], next_cursor: null } })).resolves.toBeUndefined();
    await expect(checkAnswer(server.url, 'GET', '/v1/contacts', { status: 200, contentType: json, body: { items: 'none' } })).rejects.toThrow(/schema refuses/);
    await expect(checkAnswer(server.url, 'GET', '/v1/contacts', { status: 418, contentType: json, body: {} })).rejects.toThrow(/does not list/);
    await expect(checkAnswer(server.url, 'GET', '/v1/contacts', { status: 200, contentType: 'text/html', body: '' })).rejects.toThrow(/not application\/json/);
    const error = (code: string) => ({ status: 404, contentType: json, body: { error: { code, message: 'x' } } });
    await expect(checkAnswer(server.url, 'GET', '/v1/contacts/x', error('contact_not_found'))).resolves.toBeUndefined();
    await expect(checkAnswer(server.url, 'GET', '/contacts/x', error('no_such_code'))).rejects.toThrow(/error table does not list/);
  });
});
