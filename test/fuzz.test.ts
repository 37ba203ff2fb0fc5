import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMessengerApi, type FakeMessengerApi } from './helpers/messenger-api.js';
import { connectMessengerBot } from './helpers/messengers.js';
import { connectBot, startServer, type Api, type TestServer } from './helpers/server.js';

// Every operation of the served /openapi.json, fed what an attacker sends: missing fields, wrong types,
// huge strings, deep nesting, bad UUIDs, NUL and lone surrogates, broken JSON, wrong content types,
// out-of-range and huge numbers, in the body, the path and the query. No answer may be a 5xx, every 4xx
// is {"error":{"code","message"}} as JSON, and after each operation the server (and its database) still
// serves a real read. FUZZ_RUNS sets the random requests per operation, FUZZ_SEED replays a run.

const RUNS = Number(process.env.FUZZ_RUNS ?? 20);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2_147_483_647);
const DATABASE = process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite';

/** JSON text put into a body as it is: numbers JSON.stringify cannot write, nesting it would overflow on, broken JSON. */
class RawJson {
  constructor(readonly text: string) {}
}
/** A path or query value sent exactly as written, percent-escapes included. */
class RawUrl {
  constructor(readonly text: string) {}
}

type Schema = Record<string, any>;
interface Operation {
  method: string;
  path: string;
  params: Array<{ name: string; in: 'path' | 'query' }>;
  body: Schema | null;
  /** content types of its documented success answers */
  produces: string[];
}
interface Request {
  path: Record<string, string | RawUrl>;
  query: Array<[string, string | RawUrl]>;
  contentType: string | null;
  body: unknown;
}

const nestedText = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

function jsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Percent-encoding that also writes lone surrogates (as the invalid UTF-8 a careless client would send). */
function urlEncode(value: string | RawUrl): string {
  if (value instanceof RawUrl) return value.text;
  let out = '';
  for (const char of value) {
    const code = char.charCodeAt(0);
    if (char.length === 1 && code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else out += encodeURIComponent(char);
  }
  return out;
}

// ---- the classes of bad input -------------------------------------------------------------------------

const hostileText = fc.oneof(
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', '\udfff', 'x\ud83d', '😀', '\uffff', '', ' ', '%ff', "' OR 1=1 --", '<script>', 'null', '-1'),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
);
const hugeText = fc.constantFrom(1_000, 70_000, 600_000, 1_100_000).map((n) => 'x'.repeat(n));
const hostileNumber = fc.oneof(
  fc.constantFrom(-1, 0, 1.5, -0.5, 2_147_483_648, 3_000_000_000, -3_000_000_000, 2 ** 53 + 2, 1e21, 1e308, -1e308),
  fc.constantFrom('1e999999', '-1e999999', '1e-999999', `1${'0'.repeat(400)}`, '-0').map((text) => new RawJson(text)),
  fc.integer(),
  fc.double(),
);
const deepJson = fc.constantFrom(31, 33, 65, 900, 6000).map((depth) => new RawJson(nestedText(depth)));
const wrongType = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}), fc.string({ maxLength: 5 }), fc.array(fc.integer(), { maxLength: 3 }));
const manyKeys = fc.constantFrom(1001, 5000).map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])));
const badUuid = fc.oneof(
  fc.constantFrom('not-a-uuid', '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '0190a000-0000-7000-8000-00000000000g', '', ' '),
  fc.uuid(),
);
const hostileValue = fc.oneof(hostileText, hugeText, hostileNumber, deepJson, wrongType, manyKeys, badUuid, fc.jsonValue({ maxDepth: 3 }));
const brokenJson = fc.oneof(
  fc.constantFrom('{', '{"a":', '[1,2', '{"a":1,}', "{'a':1}", 'nul', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', '\u0000', '"\\ud800"', '1e999999', ''),
  fc.string({ unit: 'binary', maxLength: 50 }),
).map((text) => new RawJson(text));
const hostileUrlValue = fc.oneof(
  fc.constantFrom('%00', '%ff', '%ED%A0%80', '%', '%2F', '..', '-1', '0', '1e999999', '99999999999999999999999', '1.5', 'NaN', 'a'.repeat(101), 'a'.repeat(5000)).map((t) => new RawUrl(t)),
  hostileText,
  badUuid,
);
const wrongContentType = fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/octet-stream', 'application/json-patch+json');

// ---- a plausible request from the schema, that the mutations then break -------------------------------

interface Fixture {
  contact: string;
  other: string;
  conversation: string;
  bot: string;
  telegramBot: string;
  endpoint: string;
  rule: string;
  merge: string;
}

function deref(doc: any, schema: Schema | undefined): Schema {
  let s = schema ?? {};
  for (let i = 0; s.$ref && i < 10; i++) s = doc.components.schemas[String(s.$ref).split('/').pop()!] ?? {};
  return s;
}

function idFor(name: string, path: string, f: Fixture): string {
  if (name === 'bot_id') return path.startsWith('/v1/channels') ? f.telegramBot : f.bot;
  if (name === 'from_contact_id') return f.other;
  if (name === 'to_contact_id' || name === 'contact_id') return f.contact;
  if (name === 'delivery_id') return '1';
  const resource = path.split('/')[2];
  const byResource: Record<string, string> = { contacts: f.contact, conversations: f.conversation, bots: f.bot, 'webhook-endpoints': f.endpoint, 'merge-rules': f.rule, merges: f.merge };
  return byResource[resource] ?? randomUUID();
}

const PLAUSIBLE: Record<string, unknown> = { channel: 'telegram', url: 'http://127.0.0.1:9/hook', email: 'ann@example.com', phone: '+14155552671', fields: ['phone'], text: 'hello', handle: 'shop_bot', type: 'visit', kind: 'campaign', ref: 'c1' };

function plausible(doc: any, schema: Schema | undefined, name: string, path: string, f: Fixture): unknown {
  const s = deref(doc, schema);
  if (name in PLAUSIBLE && name !== 'type') return PLAUSIBLE[name];
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  const union = s.anyOf ?? s.oneOf;
  if (union) return plausible(doc, union.find((b: Schema) => deref(doc, b).type !== 'null') ?? union[0], name, path, f);
  switch (s.type) {
    case 'string':
      if (s.format === 'uuid') return idFor(name, path, f);
      if (s.format === 'date-time') return new Date().toISOString();
      return name in PLAUSIBLE ? PLAUSIBLE[name] : 'f'.repeat(Math.max(1, s.minLength ?? 1));
    case 'integer':
    case 'number':
      return s.minimum ?? 1;
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'null':
      return null;
    case 'object':
      return Object.fromEntries(Object.entries<Schema>(s.properties ?? {}).map(([key, sub]) => [key, plausible(doc, sub, key, path, f)]));
    default:
      return {};
  }
}

function operations(doc: any): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(methods)) {
      const params = (op.parameters ?? [])
        // only well-formed parameters: a documented schema must not make the fuzzer itself fail
        .filter((p: any) => (p.in === 'path' || p.in === 'query') && typeof p.name === 'string' && /^[a-z_]+$/i.test(p.name))
        .map((p: any) => ({ name: p.name, in: p.in }));
      // the content types the document promises for a success (JSON, or text such as /metrics)
      const produces = Object.entries<any>(op.responses ?? {})
        .filter(([status]) => status.startsWith('2'))
        .flatMap(([, answer]) => Object.keys(answer.content ?? {}));
      ops.push({ method: method.toUpperCase(), path, params, body: op.requestBody?.content?.['application/json']?.schema ?? null, produces });
    }
  }
  return ops;
}

type Mutation =
  | { kind: 'field'; field: string; value: unknown }
  | { kind: 'drop'; field: string }
  | { kind: 'nested'; field: string; key: string; value: unknown }
  | { kind: 'body'; value: unknown }
  | { kind: 'content-type'; contentType: string }
  | { kind: 'param'; name: string; value: string | RawUrl }
  | { kind: 'query'; name: string; values: Array<string | RawUrl> };

function mutations(doc: any, op: Operation): fc.Arbitrary<Mutation[]> {
  const body = op.body ? deref(doc, op.body) : null;
  const fields = [...Object.keys(body?.properties ?? {}), 'unknown_field'];
  const objectFields = Object.entries<Schema>(body?.properties ?? {})
    .filter(([, s]) => deref(doc, s).type === 'object')
    .map(([k]) => k);
  const pathParams = op.params.filter((p) => p.in === 'path').map((p) => p.name);
  const queryParams = [...op.params.filter((p) => p.in === 'query').map((p) => p.name), 'unknown'];
  const choices: Array<fc.Arbitrary<Mutation>> = [
    fc.record({ kind: fc.constant('query' as const), name: fc.constantFrom(...queryParams), values: fc.array(hostileUrlValue, { minLength: 1, maxLength: 2 }) }),
  ];
  if (pathParams.length > 0) choices.push(fc.record({ kind: fc.constant('param' as const), name: fc.constantFrom(...pathParams), value: hostileUrlValue }));
  if (op.method !== 'GET') {
    choices.push(
      fc.record({ kind: fc.constant('field' as const), field: fc.constantFrom(...fields), value: hostileValue }),
      fc.record({ kind: fc.constant('drop' as const), field: fc.constantFrom(...fields) }),
      fc.record({ kind: fc.constant('body' as const), value: fc.oneof(hostileValue, brokenJson) }),
      fc.record({ kind: fc.constant('content-type' as const), contentType: wrongContentType }),
    );
    if (objectFields.length > 0) {
      choices.push(fc.record({ kind: fc.constant('nested' as const), field: fc.constantFrom(...objectFields), key: hostileText, value: hostileValue }));
    }
  }
  return fc.array(fc.oneof(...choices), { minLength: 1, maxLength: 3 });
}

/** Each class of bad input once, for every operation, before the random ones. */
function everyClassOnce(doc: any, op: Operation): Mutation[][] {
  const body = op.body ? deref(doc, op.body) : null;
  const firstField = Object.keys(body?.properties ?? {})[0] ?? 'unknown_field';
  const required: string[] = body?.required ?? [];
  const out: Mutation[][] = [];
  for (const p of op.params.filter((x) => x.in === 'path')) {
    for (const value of ['not-a-uuid', new RawUrl('%00'), new RawUrl('%ff'), new RawUrl('%ED%A0%80'), 'a'.repeat(101), randomUUID()]) out.push([{ kind: 'param', name: p.name, value }]);
  }
  for (const p of op.params.filter((x) => x.in === 'query')) {
    for (const value of [new RawUrl('%00'), new RawUrl('%ED%A0%80'), '-1', '1e999999', 'a'.repeat(5000)]) out.push([{ kind: 'query', name: p.name, values: [value] }]);
  }
  if (op.method === 'GET') return out;
  for (const field of required) out.push([{ kind: 'drop', field }]);
  for (const value of ['\u0000', '\ud800', 'x'.repeat(600_000), 3_000_000_000, 1e308, new RawJson('1e999999'), new RawJson(nestedText(900)), new RawJson(nestedText(6000)), 42, true, null, []]) {
    out.push([{ kind: 'field', field: firstField, value }]);
  }
  out.push([{ kind: 'field', field: '\u0000key', value: 1 }]);
  for (const value of [new RawJson('{"a":'), new RawJson(''), new RawJson('1e999999'), new RawJson(nestedText(6000)), 'text', [1, 2]]) out.push([{ kind: 'body', value }]);
  for (const contentType of ['text/plain', 'application/xml']) out.push([{ kind: 'content-type', contentType }]);
  return out;
}

function build(doc: any, op: Operation, f: Fixture, changes: Mutation[]): Request {
  const body = op.body ? plausible(doc, op.body, '', op.path, f) : op.method === 'GET' ? undefined : null;
  const request: Request = {
    path: Object.fromEntries(op.params.filter((p) => p.in === 'path').map((p) => [p.name, idFor(p.name, op.path, f) ?? 'x'])),
    query: [],
    contentType: body === undefined || body === null ? null : 'application/json',
    body,
  };
  if (op.path.startsWith('/v1/channels')) request.path.channel = 'telegram';
  for (const change of changes) {
    const isObject = request.body !== null && typeof request.body === 'object' && !Array.isArray(request.body) && !(request.body instanceof RawJson);
    switch (change.kind) {
      case 'field':
        request.body = { ...(isObject ? (request.body as object) : {}), [change.field]: change.value };
        request.contentType ??= 'application/json';
        break;
      case 'drop':
        if (isObject) delete (request.body as Record<string, unknown>)[change.field];
        break;
      case 'nested':
        request.body = { ...(isObject ? (request.body as object) : {}), [change.field]: { [change.key]: change.value } };
        request.contentType ??= 'application/json';
        break;
      case 'body':
        request.body = change.value;
        request.contentType = 'application/json';
        break;
      case 'content-type':
        request.contentType = change.contentType;
        request.body ??= {};
        break;
      case 'param':
        request.path[change.name] = change.value;
        break;
      case 'query':
        for (const value of change.values) request.query.push([change.name, value]);
        break;
    }
  }
  return request;
}

// ---- the run ------------------------------------------------------------------------------------------

const counts = { requests: 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };

describe(`fuzzing every operation of /openapi.json on ${DATABASE}`, () => {
  let server: TestServer;
  let messengers: FakeMessengerApi;
  let api: Api;
  let apiKey: string;
  let doc: any;
  let fixture: Fixture;

  beforeAll(async () => {
    // the per-key limit off: thousands of requests with one key are the point here
    // the messengers' APIs are a local stand-in: connecting a bot with a token asks its getMe, sends go there
    messengers = await startMessengerApi();
    const channels = ['telegram', 'facebook', 'instagram', 'whatsapp', 'viber', 'vk', 'line'];
    server = await startServer({
      rateLimits: { requestsPerMinute: 0, authFailuresPerMinute: 20 },
      messengerApiUrls: Object.fromEntries(channels.map((c) => [c, `${messengers.url}/${c}`])),
    });
    ({ api, apiKey } = await server.project('fuzz'));
    doc = (await api('GET', '/openapi.json')).body;
    const bot = await connectBot(api);
    const telegram = await connectMessengerBot(api, 'telegram');
    const person = (await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'u1', text: 'hi', profile: { name: 'Ann', phone: '+14155552671' } })).body;
    const other = (await api('POST', '/v1/contacts', { name: 'Bob' })).body;
    const third = (await api('POST', '/v1/contacts', { name: 'Cid' })).body;
    const merge = (await api('POST', '/v1/contacts/merge', { from_contact_id: third.id, to_contact_id: other.id })).body;
    const endpoint = (await api('POST', '/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/hook' })).body;
    const rule = (await api('POST', '/v1/merge-rules', { fields: ['email'] })).body;
    fixture = { contact: person.contact_id, other: other.id, conversation: person.conversation_id, bot: bot.id, telegramBot: telegram.id, endpoint: endpoint.id, rule: rule.id, merge: merge.merge_id };
    for (const value of Object.values(fixture)) expect(value).toMatch(/^[0-9a-f-]{36}$/);
    console.log(`fuzz on ${DATABASE}: seed ${SEED} (FUZZ_SEED=${SEED} replays it), ${RUNS} random requests per operation`);
  });

  afterAll(async () => {
    console.log(`fuzz on ${DATABASE}: ${counts.requests} requests — 2xx ${counts['2xx']}, 3xx ${counts['3xx']}, 4xx ${counts['4xx']}, 5xx ${counts['5xx']}`);
    await server?.close();
    await messengers?.close();
  });

  async function send(op: Operation, request: Request) {
    let path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => urlEncode(request.path[name] ?? 'x'));
    if (request.query.length > 0) path += '?' + request.query.map(([k, v]) => `${encodeURIComponent(k)}=${urlEncode(v)}`).join('&');
    const headers: Record<string, string> = {};
    if (op.path.startsWith('/v1/') && !op.path.startsWith('/v1/channels')) headers.authorization = `Bearer ${apiKey}`;
    let body: string | undefined;
    if (request.body !== undefined && op.method !== 'GET') {
      body = jsonText(request.body);
      headers['content-type'] = request.contentType ?? 'application/json';
    }
    const response = await fetch(server.url + path, { method: op.method, headers, body });
    // a live stream (text/event-stream) stays open: its status and headers are the answer
    const streaming = response.ok && (response.headers.get('content-type') ?? '').startsWith('text/event-stream');
    const text = streaming ? (await response.body?.cancel(), '') : await response.text();
    counts.requests++;
    counts[`${Math.floor(response.status / 100)}xx` as keyof typeof counts]++;
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', text, path, sent: body?.slice(0, 300) };
  }

  async function check(op: Operation, request: Request) {
    const answer = await send(op, request);
    const context = `${op.method} ${answer.path.slice(0, 300)} ${answer.sent ?? ''} → ${answer.status} ${answer.text.slice(0, 300)}`;
    expect(answer.status, context).toBeLessThan(500);
    if (answer.status >= 400) {
      expect(answer.contentType, context).toMatch(/^application\/json/);
      const parsed = JSON.parse(answer.text);
      expect(Object.keys(parsed), context).toEqual(['error']);
      expect(Object.keys(parsed.error).sort(), context).toEqual(['code', 'message']);
      expect(typeof parsed.error.code === 'string' && typeof parsed.error.message === 'string', context).toBe(true);
    } else if (answer.status !== 204 && !op.path.startsWith('/v1/channels')) {
      const promised = op.produces.length > 0 ? op.produces : ['application/json'];
      expect(promised.some((type) => answer.contentType.startsWith(type)), `${context}: content type ${answer.contentType}, documented ${promised.join(', ')}`).toBe(true);
    }
  }

  async function stillServing() {
    const read = await api('GET', `/v1/contacts/${fixture.contact}`);
    expect(read.status, 'a real database read after the fuzzing').toBe(200);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  }

  it('answers every operation without a 5xx, with the error shape on every 4xx, and keeps serving', async () => {
    const ops = operations(doc);
    expect(ops.length).toBeGreaterThan(30);
    for (const op of ops) {
      for (const changes of everyClassOnce(doc, op)) await check(op, build(doc, op, fixture, changes));
      await fc.assert(
        fc.asyncProperty(mutations(doc, op), async (changes) => {
          await check(op, build(doc, op, fixture, changes));
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
      await stillServing();
    }
    // and a write still works after it all
    expect((await api('POST', '/v1/contacts', { name: 'after the fuzz', variables: { ok: true } })).status).toBe(201);
    expect(counts['5xx']).toBe(0);
  }, 600_000);
});
