import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBot, startServer, type Api, type TestServer } from './helpers/server.js';
import { connectMessengerBot, fixture, postRaw, SECRETS, SIGN } from './helpers/messengers.js';

// What an attacker sends must come back as a 4xx in the error shape, change nothing, and leave the server
// (and the embedded database) serving everyone else. See docs/api-limits.md.

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const nested = (depth: number, leaf: unknown = 1): unknown => {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
};
// built as text: JSON.stringify itself overflows on values this deep
const nestedText = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

function expectError(answer: { status: number; body: any; headers: Headers }, status: number, code: string, message?: RegExp) {
  expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({ status, code });
  expect(answer.body).toEqual({ error: { code, message: expect.any(String) } });
  if (message) expect(answer.body.error.message).toMatch(message);
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
}

async function someone(api: Api) {
  const bot = await connectBot(api);
  const inbound = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'u1', text: 'hi', profile: { name: 'Ann' } });
  expect(inbound.status).toBe(200);
  return { bot, contactId: inbound.body.contact_id as string, conversationId: inbound.body.conversation_id as string };
}

describe('free JSON fields', () => {
  it('refuses preferences nested past 32 levels with invalid_json_shape naming the limit, and stores nothing', async () => {
    const { api } = await server.project();
    const { contactId } = await someone(api);
    expect((await api('PUT', `/v1/contacts/${contactId}/preferences`, { lang: 'en' })).status).toBe(200);
    expectError(await api('PUT', `/v1/contacts/${contactId}/preferences`, nested(40)), 400, 'invalid_json_shape', /deeper than 32 levels/);
    expect((await api('GET', `/v1/contacts/${contactId}`)).body.preferences).toEqual({ lang: 'en' });
  });

  it('refuses bodies nested 900 and 10,000 deep before parsing them, and the embedded database keeps serving', async () => {
    const { api } = await server.project();
    const { contactId } = await someone(api);
    for (const depth of [900, 10_000]) {
      expectError(await api('PUT', `/v1/contacts/${contactId}/preferences`, nestedText(depth)), 400, 'invalid_json_shape', /deeper than 64 levels/);
      expectError(await api('POST', `/v1/contacts/${contactId}/events`, `{"type":"x","data":${nestedText(depth)}}`), 400, 'invalid_json_shape');
      expectError(await api('POST', '/v1/contacts', `{"variables":${nestedText(depth)}}`), 400, 'invalid_json_shape');
    }
    // a real read and a real write still work
    expect((await api('GET', `/v1/contacts/${contactId}`)).status).toBe(200);
    expect((await api('POST', '/v1/contacts', { name: 'after the attack', variables: nested(10) })).status).toBe(201);
  });

  it('names the field and the limit for too many keys and too many bytes', async () => {
    const { api } = await server.project();
    const { contactId } = await someone(api);
    const manyKeys = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, i]));
    expectError(await api('POST', '/v1/contacts', { name: 'x', variables: manyKeys }), 400, 'invalid_json_shape', /variables has more than 1000 keys/);
    expectError(await api('POST', `/v1/contacts/${contactId}/references`, { kind: 'campaign', ref: 'c1', data: { blob: 'x'.repeat(70_000) } }), 400, 'invalid_json_shape', /data is larger than 65536 bytes/);
    expectError(await api('POST', `/v1/contacts/${contactId}/events`, { type: 'visit', data: nested(33) }), 400, 'invalid_json_shape', /data nests deeper than 32/);
    expect((await api('GET', '/v1/contacts?q=x')).body.items).toEqual([]);
    expect((await api('POST', '/v1/contacts', { variables: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i])) })).status).toBe(201);
  });
});

describe('text PostgreSQL cannot store', () => {
  it('answers 400 invalid_text naming the field for NUL and lone surrogates in bodies, keys, queries and paths', async () => {
    const { api } = await server.project();
    const { bot, contactId, conversationId } = await someone(api);
    const cases: Array<[string, string, unknown, RegExp]> = [
      ['POST', '/v1/contacts', { name: 'A\u0000nn' }, /^name contains a NUL character/],
      ['POST', '/v1/contacts', '{"name":"\\ud800x"}', /^name contains a lone UTF-16 surrogate/],
      ['POST', '/v1/contacts', { variables: { city: 'Paris\u0000' } }, /^variables\.city contains a NUL/],
      ['POST', '/v1/contacts', '{"variables":{"ci\\udfffty":"Paris"}}', /^variables has a key with a lone UTF-16 surrogate/],
      ['POST', '/v1/contacts', { tags: ['ok', 'b\u0000d'] }, /^tags\[1\] contains a NUL/],
      ['PUT', '/v1/settings', { blocked_values: ['0000\u0000'] }, /^blocked_values\[0\] contains a NUL/],
      ['POST', `/v1/conversations/${conversationId}/messages`, { text: 'hello\u0000' }, /^text contains a NUL/],
      ['POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'u2', text: '\udc00' }, /^text contains a lone/],
      ['PATCH', `/v1/contacts/${contactId}`, { external_id: '\u0000' }, /^external_id contains a NUL/],
      ['GET', '/v1/contacts?q=%00', undefined, /^query parameter q contains a NUL/],
      ['GET', '/v1/contacts?email=a%00b', undefined, /^query parameter email contains a NUL/],
      ['GET', '/v1/contacts/%00', undefined, /^path parameter id contains a NUL/],
    ];
    for (const [method, path, body, message] of cases) {
      expectError(await api(method, path, body), 400, 'invalid_text', message);
    }
    const card = (await api('GET', `/v1/contacts/${contactId}`)).body;
    expect(card.external_id).toBeNull();
    expect((await api('GET', '/v1/settings')).body.blocked_values).toEqual([]);
    expect((await api('GET', '/v1/contacts')).body.items).toHaveLength(1);
  });

  it('keeps a signed messenger message whose text holds NUL or a lone surrogate, with U+FFFD in their place, and answers 200', async () => {
    const { api } = await server.project();
    const bot = await connectMessengerBot(api, 'telegram');
    const update = JSON.parse(fixture('telegram', 'message-text'));
    update.message.text = 'bad\u0000byte and half \ud83d pair';
    update.message.from.first_name = 'A\u0000nn';
    const body = JSON.stringify(update); // escapes both as \u0000 and \ud83d, as a messenger would
    const answer = await postRaw(server.url + bot.webhook_path, body, SIGN.telegram(body, SECRETS.telegram));
    expect(answer.status).toBe(200);
    const contact = (await api('GET', '/v1/contacts')).body.items[0];
    const conversation = (await api('GET', `/v1/contacts/${contact.id}/conversations`)).body.items[0];
    const message = (await api('GET', `/v1/conversations/${conversation.id}/messages`)).body.items[0];
    expect(message.text).toBe('bad\uFFFDbyte and half \uFFFD pair');
    expect(contact.name).toMatch(/^A\uFFFDnn/);
  });
});

describe('numbers', () => {
  it('refuses numbers outside their documented ranges and 1e999999, and keeps the settings', async () => {
    const { api } = await server.project();
    const before = (await api('GET', '/v1/settings')).body;
    expectError(await api('PUT', '/v1/settings', { max_shared: 3_000_000_000 }), 400, 'invalid_request', /max_shared must be <= 1000000/);
    expectError(await api('PUT', '/v1/settings', { link_ttl_s: 1e308 }), 400, 'invalid_request', /link_ttl_s/);
    expectError(await api('PUT', '/v1/settings', '{"link_ttl_s": 1e999999}'), 400, 'invalid_request', /link_ttl_s is a number too large/);
    expectError(await api('PUT', '/v1/settings', '{"max_shared": -1e999999}'), 400, 'invalid_request', /max_shared/);
    expectError(await api('POST', '/v1/contacts', '{"variables":{"n":1e999999}}'), 400, 'invalid_request', /variables\.n is a number too large/);
    expectError(await api('GET', '/v1/contacts?limit=100000'), 400, 'invalid_request', /limit/);
    expectError(await api('POST', '/v1/bots', { channel: 99_999_999_999, handle: 'x' }), 400, 'invalid_request', /channel/);
    expect((await api('GET', '/v1/settings')).body).toEqual(before);
    expect((await api('GET', '/v1/contacts')).body.items).toEqual([]);
  });
});

describe("the server's own refusals", () => {
  it('answers every one of them in the error shape', async () => {
    const { api } = await server.project();
    expectError(await api('GET', '/v1/contacts/%ff'), 400, 'invalid_url');
    expectError(await api('GET', `/v1/contacts/${'a'.repeat(150)}`), 414, 'uri_too_long');
    expectError(await api('GET', '/v1/contacts', undefined, { 'x-padding': 'a'.repeat(20_000) }), 431, 'header_too_large');
    expectError(await api('GET', '/v1/no-such-thing'), 404, 'not_found');
    expectError(await api('DELETE', '/v1/settings'), 404, 'not_found');
    expectError(await api('POST', '/v1/contacts', '<contact/>', { 'content-type': 'application/xml' }), 415, 'unsupported_media_type');
    expectError(await api('POST', '/v1/contacts', '{"name": "Ann"'), 400, 'invalid_json');
    expectError(await api('POST', '/v1/contacts', '{"__proto__": {"x": 1}}'), 400, 'invalid_json');
    expectError(await api('POST', '/v1/contacts', JSON.stringify({ name: 'x'.repeat(1_100_000) })), 413, 'payload_too_large');
    expect((await api('GET', '/v1/contacts')).status).toBe(200);
  });
});
