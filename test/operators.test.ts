import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suggestMerge } from '../src/usecases/steps/suggest-merge.js';
import { clientWrites } from './helpers/browser.js';
import { client, connectBot, startServer, type Api, type TestServer } from './helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ live: { pollMs: 100, heartbeatMs: 500 } });
});
afterAll(() => server.close());

const PASSWORD = 'correct horse battery';

/** A browser's calls: the sign-in cookie, and the header the UI sends with every change. */
function browser(cookie: string, withHeader = true): Api {
  const call = client(server.url, null);
  return (method, path, body, headers = {}) => call(method, path, body, { cookie, ...(withHeader ? { 'x-omnimerge-ui': '1' } : {}), ...headers });
}

async function signIn(body: unknown): Promise<{ status: number; body: any; cookie: string; setCookie: string }> {
  const answer = await client(server.url, null)('POST', '/v1/sessions', body);
  const setCookie = answer.headers.get('set-cookie') ?? '';
  return { status: answer.status, body: answer.body, cookie: setCookie.split(';')[0], setCookie };
}

async function projectWithOperator(name = 'Olga') {
  const project = await server.project();
  const email = `${name.toLowerCase()}-${project.projectId}@example.com`;
  const created = await project.api('POST', '/v1/operators', { email, name, password: PASSWORD });
  expect(created.status).toBe(201);
  return { ...project, email, operator: created.body };
}

describe('operators and sign-in', () => {
  it('creates, lists and disables operators with an API key, never returning the password', async () => {
    const { api, operator, email } = await projectWithOperator();
    expect(operator).toMatchObject({ name: 'Olga', email, disabled_at: null });
    expect(JSON.stringify(operator)).not.toContain(PASSWORD);
    const again = await api('POST', '/v1/operators', { email: email.toUpperCase(), name: 'Other', password: PASSWORD });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('operator_email_taken');
    const weak = await api('POST', '/v1/operators', { email: 'x@example.com', name: 'X', password: 'short' });
    expect(weak.status).toBe(422);
    expect(weak.body.error.code).toBe('weak_password');
    expect((await api('GET', '/v1/operators')).body.items.map((o: { name: string }) => o.name)).toEqual(['Olga']);
    const disabled = await api('POST', `/v1/operators/${operator.id}/disable`);
    expect(disabled.status).toBe(200);
    expect(disabled.body.disabled_at).not.toBeNull();
  });

  it('signs an operator in with an HttpOnly, SameSite=Strict cookie and names them', async () => {
    const { email } = await projectWithOperator();
    const session = await signIn({ email, password: PASSWORD });
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ name: 'Olga', email, via: 'password' });
    expect(session.setCookie).toMatch(/^omnimerge_session=[^;]+; Path=\/v1; HttpOnly; SameSite=Strict; Expires=/);
    expect(session.setCookie).not.toContain('Secure');
    const me = await browser(session.cookie)('GET', '/v1/sessions/me');
    expect(me.body).toMatchObject({ name: 'Olga', via: 'password' });
  });

  it('refuses a wrong password or key with words to show as they are', async () => {
    const { email } = await projectWithOperator();
    for (const body of [{ email, password: 'wrong password!' }, { email: 'nobody@example.com', password: PASSWORD }, { api_key: 'om_not-a-key' }]) {
      const answer = await signIn(body);
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('invalid_credentials');
      expect(answer.body.error.message).not.toMatch(/`|\(unauthorized\)/);
      expect(answer.setCookie).toBe('');
    }
  });

  it('refuses a cookie-authenticated change without the UI header (CSRF), and after sign-out', async () => {
    const { email } = await projectWithOperator();
    const { cookie } = await signIn({ email, password: PASSWORD });
    const forged = await browser(cookie, false)('POST', '/v1/contacts', { name: 'Forged' });
    expect(forged.status).toBe(403);
    expect(forged.body.error.code).toBe('csrf_check_failed');
    const otherSite = await browser(cookie)('POST', '/v1/contacts', { name: 'Forged' }, { origin: 'https://evil.example' });
    expect(otherSite.status).toBe(403);
    expect((await browser(cookie)('POST', '/v1/contacts', { name: 'Real' })).status).toBe(201);
    expect((await browser(cookie)('DELETE', '/v1/sessions')).status).toBe(204);
    const after = await browser(cookie)('GET', '/v1/sessions/me');
    expect(after.status).toBe(401);
  });

  it('ends the sessions of a disabled operator', async () => {
    const { api, email, operator } = await projectWithOperator();
    const { cookie } = await signIn({ email, password: PASSWORD });
    expect((await browser(cookie)('POST', `/v1/operators/${operator.id}/disable`)).status).toBe(403);
    await api('POST', `/v1/operators/${operator.id}/disable`);
    expect((await browser(cookie)('GET', '/v1/sessions/me')).status).toBe(401);
    expect((await signIn({ email, password: PASSWORD })).status).toBe(401);
  });

  it('records merges, undo, unmerge, decisions and notes by the operator\'s name, and by the key\'s label for a key', async () => {
    const { api, email } = await projectWithOperator();
    const { cookie } = await signIn({ email, password: PASSWORD });
    const olga = browser(cookie);
    const bot = await connectBot(api);
    const a = await clientWrites(api, bot.id, '1001', 'hi');
    const b = await clientWrites(api, bot.id, '1002', 'hello');
    const merged = await olga('POST', '/v1/contacts/merge', { from_contact_id: a.contact_id, to_contact_id: b.contact_id });
    expect(merged.status).toBe(200);
    const history = await olga('GET', `/v1/contacts/${b.contact_id}/history`);
    expect(history.body.items.find((h: { kind: string }) => h.kind === 'merge').data.actor).toBe('Olga');
    const undone = await olga('POST', `/v1/merges/${merged.body.merge_id}/undo`);
    expect(undone.status).toBe(200);
    const note = await olga('POST', `/v1/contacts/${b.contact_id}/notes`, { text: 'called back' });
    expect(note.body).toMatchObject({ text: 'called back', author: 'Olga' });
    const byKey = await api('POST', `/v1/contacts/${b.contact_id}/notes`, { text: 'from the CRM' });
    expect(byKey.body.author).toBe('api');
    const withKey = await signIn({ api_key: (await server.project()).apiKey });
    expect(withKey.body).toMatchObject({ name: 'api', via: 'api_key', operator_id: null });
  });

  it('records unmerge, suggestion decisions and invites by the operator\'s name, whatever actor the body names', async () => {
    const { api, projectId, email } = await projectWithOperator();
    const { cookie } = await signIn({ email, password: PASSWORD });
    const olga = browser(cookie);
    expect((await olga('GET', '/v1/sessions/me')).body).toMatchObject({ name: 'Olga', email });
    const telegram = await connectBot(api);
    const whatsapp = await connectBot(api, 'whatsapp', '+15550001111');
    const a = await clientWrites(api, telegram.id, '4001', 'hi');
    const b = await clientWrites(api, whatsapp.id, '4002', 'hello');
    await olga('POST', '/v1/contacts/merge', { from_contact_id: a.contact_id, to_contact_id: b.contact_id });
    const unmerged = await olga('POST', `/v1/contacts/${b.contact_id}/unmerge`, { identity_id: a.identity_id });
    expect(unmerged.status).toBe(200);
    const history = (await olga('GET', `/v1/contacts/${b.contact_id}/history`)).body.items;
    expect(history.find((h: { kind: string }) => h.kind === 'unmerge').data.actor).toBe('Olga');

    const c = await clientWrites(api, telegram.id, '4003', 'one');
    const d = await clientWrites(api, telegram.id, '4004', 'two');
    const proposal = (from: string, to: string) => ({ kind: 'rule' as const, fromId: from, toId: to, reason: 'rule:r1', evidence: { rule_id: 'r1', fields: ['email'], values: { email: 'x@example.com' } } });
    const first = await server.store.transaction((tx) => suggestMerge(tx, projectId, proposal(c.contact_id, d.contact_id)));
    const approved = await olga('POST', `/v1/merge-suggestions/${first.suggestion.id}/approve`, { actor: 'someone else' });
    expect(approved.body.suggestion.decided_by).toBe('Olga');
    const e = await clientWrites(api, telegram.id, '4005', 'three');
    const second = await server.store.transaction((tx) => suggestMerge(tx, projectId, proposal(e.contact_id, d.contact_id)));
    expect((await olga('POST', `/v1/merge-suggestions/${second.suggestion.id}/reject`, {})).body.decided_by).toBe('Olga');
    const third = await server.store.transaction((tx) => suggestMerge(tx, projectId, proposal(a.contact_id, e.contact_id)));
    expect((await api('POST', `/v1/merge-suggestions/${third.suggestion.id}/reject`, { actor: 'CRM user Kim' })).body.decided_by).toBe('CRM user Kim');

    const invite = await olga('POST', `/v1/conversations/${a.conversation_id}/invite`, { channel: 'whatsapp' });
    expect(invite.status).toBe(201);
    const events = (await olga('GET', `/v1/conversations/${a.conversation_id}/events`)).body.items;
    expect(events.find((ev: { type: string }) => ev.type === 'invite_sent').data).toMatchObject({ by: 'Olga', channel: 'whatsapp', message_id: invite.body.message.id });
  });
});

describe('failed sign-ins', () => {
  it('are limited per address like failed API keys, with Retry-After', async () => {
    const limited = await startServer({ rateLimits: { requestsPerMinute: 6000, authFailuresPerMinute: 2 } });
    try {
      const call = client(limited.url, null);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await call('POST', '/v1/sessions', { email: 'nobody@example.com', password: 'wrong password' })).status);
      expect(statuses).toEqual([401, 401, 429, 429]);
      const refused = await call('POST', '/v1/sessions', { api_key: 'om_wrong' });
      expect(refused.body.error.code).toBe('rate_limited');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});

describe('conversation assignment', () => {
  it('assigns a conversation to the signed-in operator and lists it as theirs', async () => {
    const { api, email, operator } = await projectWithOperator();
    const { cookie } = await signIn({ email, password: PASSWORD });
    const olga = browser(cookie);
    const bot = await connectBot(api);
    const mine = await clientWrites(api, bot.id, '2001', 'help');
    const other = await clientWrites(api, bot.id, '2002', 'hi');
    const assigned = await olga('PUT', `/v1/conversations/${mine.conversation_id}/assignee`, { operator_id: 'me' });
    expect(assigned.body).toEqual({ conversation_id: mine.conversation_id, assignee: { id: operator.id, name: 'Olga' } });
    const list = await olga('GET', '/v1/conversations?assignee=me');
    expect(list.body.items.map((c: { id: string }) => c.id)).toEqual([mine.conversation_id]);
    expect((await api('GET', `/v1/conversations?assignee=${operator.id}`)).body.items).toHaveLength(1);
    expect((await olga('GET', `/v1/contacts/${mine.contact_id}/conversations?assignee=me`)).body.items.map((c: { assignee: unknown }) => c.assignee)).toEqual([{ id: operator.id, name: 'Olga' }]);
    expect((await olga('GET', `/v1/contacts/${other.contact_id}/conversations?assignee=me`)).body.items).toEqual([]);
    const ofContact = await olga('GET', `/v1/contacts/${other.contact_id}/conversations`);
    expect(ofContact.body.items[0].assignee).toBeNull();
    expect((await api('PUT', `/v1/conversations/${mine.conversation_id}/assignee`, { operator_id: 'me' })).body.error.code).toBe('invalid_request');
    expect((await api('PUT', `/v1/conversations/${mine.conversation_id}/assignee`, { operator_id: null })).body.assignee).toBeNull();
    expect((await olga('GET', '/v1/conversations?assignee=me')).body.items).toEqual([]);
  });
});

/** Reads a server-sent event stream until `done` says it has what it waits for. */
async function readStream(url: string, headers: Record<string, string>, done: (events: Array<{ id?: string; event?: string; data?: any }>) => boolean) {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events: Array<{ id?: string; event?: string; data?: any }> = [];
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = response.body!.getReader();
  const deadline = setTimeout(() => controller.abort(), 10_000);
  try {
    while (!done(events)) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      buffer += decoder.decode(value, { stream: true });
      let at: number;
      while ((at = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        const item: { id?: string; event?: string; data?: any } = {};
        for (const line of block.split('\n')) {
          if (line.startsWith('id: ')) item.id = line.slice(4);
          if (line.startsWith('event: ')) item.event = line.slice(7);
          if (line.startsWith('data: ')) item.data = JSON.parse(line.slice(6));
        }
        if (item.event) events.push(item);
      }
    }
  } finally {
    clearTimeout(deadline);
    controller.abort();
  }
  return events;
}

describe('live stream', () => {
  it('streams new messages and merges as they are committed, and resumes from Last-Event-ID', async () => {
    const { api, apiKey } = await server.project();
    const bot = await connectBot(api);
    const a = await clientWrites(api, bot.id, '3001', 'before');
    const streamUrl = `${server.url}/v1/events/stream`;
    const auth = { authorization: `Bearer ${apiKey}` };
    const seen = readStream(streamUrl, auth, (events) => events.some((e) => e.event === 'contact.merged'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const b = await clientWrites(api, bot.id, '3002', 'a new message');
    await api('POST', '/v1/contacts/merge', { from_contact_id: a.contact_id, to_contact_id: b.contact_id });
    const events = await seen;
    expect(events.find((e) => e.event === 'message.created' && e.data.conversation_id === b.conversation_id)?.data).toMatchObject({ contact_id: b.contact_id, direction: 'in' });
    const merged = events.find((e) => e.event === 'contact.merged')!;
    expect(merged.data.data).toMatchObject({ from_contact_id: a.contact_id, to_contact_id: b.contact_id, actor: 'api' });

    // what happened while the client was away comes first on reconnecting
    const c = await clientWrites(api, bot.id, '3003', 'while away');
    const resumed = await readStream(streamUrl, { ...auth, 'last-event-id': merged.id! }, (got) => got.some((e) => e.event === 'message.created' && e.data.conversation_id === c.conversation_id));
    expect(resumed.some((e) => e.event === 'contact.merged')).toBe(false);
  });

  it('ends a stream opened with the sign-in cookie soon after signing out', async () => {
    const { email } = await projectWithOperator();
    const { cookie } = await signIn({ email, password: PASSWORD });
    const response = await fetch(`${server.url}/v1/events/stream`, { headers: { cookie } });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    await reader.read();
    expect((await browser(cookie)('DELETE', '/v1/sessions')).status).toBe(204);
    const started = Date.now();
    const ended = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 5000);
      (async () => {
        for (;;) if ((await reader.read()).done) break;
        clearTimeout(timer);
        resolve(true);
      })().catch(() => resolve(true));
    });
    expect(ended, 'the stream was still open 5 s after signing out').toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses a stream without a key or cookie', async () => {
    const answer = await fetch(`${server.url}/v1/events/stream`);
    expect(answer.status).toBe(401);
  });
});
