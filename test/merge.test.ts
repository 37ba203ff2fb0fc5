import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { all, expectOk, merge, personWriting } from './helpers/contacts.js';
import { connectBot, startServer, type TestServer } from './helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

describe('merging contacts (docs/merging.md)', () => {
  it('gives the survivor every identity and conversation, and leaves the merged contact pointing at it', async () => {
    const { api } = await server.project();
    const telegram = await connectBot(api, 'telegram', 'shop_bot');
    const viber = await connectBot(api, 'viber', 'shop');
    const ann = await personWriting(api, telegram.id, 'ann-tg', 2);
    const annViber = await personWriting(api, viber.id, 'ann-vb', 3);

    const answer = await merge(api, ann.contact_id, annViber.contact_id);
    expect(answer.merge_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.moved).toMatchObject({ identities: 1, conversations: 1, conversations_joined: 0, messages: 2 });
    expect(answer.contact.identities.map((i: any) => i.id).sort()).toEqual([ann.identity_id, annViber.identity_id].sort());

    const merged = await expectOk(api('GET', `/v1/contacts/${ann.contact_id}`));
    expect(merged).toMatchObject({ state: 'merged', merged_into: annViber.contact_id, phone: null, email: null, identities: [] });
    const conversations = await all(api, `/v1/contacts/${annViber.contact_id}/conversations`);
    expect(conversations.map((c) => [c.channel, c.messages_count]).sort()).toEqual([['telegram', 2], ['viber', 3]]);
    expect((await all(api, '/v1/contacts')).map((c) => c.id)).toEqual([annViber.contact_id]);

    // the merged contact's identity now resolves to the survivor
    const again = await expectOk(api('POST', '/v1/inbound', { bot_id: telegram.id, external_user_id: 'ann-tg', text: 'still me' }));
    expect(again).toMatchObject({ contact_id: annViber.contact_id, conversation_id: ann.conversation_id, created: false });
  });

  it("moves messages and attachments into the survivor's conversation on the same bot, keeping each message's identity", async () => {
    const { api } = await server.project();
    const bot = await connectBot(api);
    const photo = { type: 'image', url: 'https://cdn.example/p.jpg', name: 'p.jpg' };
    const first = await personWriting(api, bot.id, 'account-1', 2, { attachments: [photo] });
    const second = await personWriting(api, bot.id, 'account-2', 1);

    const answer = await merge(api, first.contact_id, second.contact_id);
    expect(answer.moved).toMatchObject({ conversations: 0, conversations_joined: 1, messages: 2, attachments: 2 });
    const conversations = await all(api, `/v1/contacts/${second.contact_id}/conversations`);
    expect(conversations).toHaveLength(1);
    const messages = await all(api, `/v1/conversations/${second.conversation_id}/messages`);
    expect(messages.map((m) => [m.text, m.identity_id])).toEqual([
      ['account-1 #0', first.identity_id],
      ['account-1 #1', first.identity_id],
      ['account-2 #0', second.identity_id],
    ]);
    expect(messages[0].attachments).toEqual([expect.objectContaining(photo)]);
    // a new message of the first account lands in the joined conversation
    const next = await expectOk(api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'account-1', text: 'hi' }));
    expect(next.conversation_id).toBe(second.conversation_id);
  });

  it('moves e-mail conversations whole even when the survivor has one on that mailbox', async () => {
    const { api } = await server.project();
    const mailbox = await connectBot(api, 'email', 'support@shop.example');
    const a = await personWriting(api, mailbox.id, 'ann@home.example', 1);
    const b = await personWriting(api, mailbox.id, 'ann@work.example', 1);
    const answer = await merge(api, a.contact_id, b.contact_id);
    expect(answer.moved).toMatchObject({ conversations: 1, conversations_joined: 0 });
    const conversations = await all(api, `/v1/contacts/${b.contact_id}/conversations`);
    expect(conversations.map((c) => c.id).sort()).toEqual([a.conversation_id, b.conversation_id].sort());
  });

  it("takes the merged contact's phone and e-mail and keeps the displaced ones as alternates that lookups still find", async () => {
    const { api } = await server.project();
    const from = await expectOk(api('POST', '/v1/contacts', { phone: '+79001110000', email: 'new@example.com' }));
    const to = await expectOk(api('POST', '/v1/contacts', { phone: '+79002220000', email: 'old@example.com' }));
    const answer = await merge(api, from.id, to.id);
    expect(answer.contact).toMatchObject({
      phone: '+79001110000',
      email: 'new@example.com',
      alternates: { phones: ['+79002220000'], emails: ['old@example.com'] },
    });
    for (const query of ['phone=%2B79002220000', 'phone=%2B79001110000', 'email=old@example.com', 'email=NEW@example.com']) {
      const found = await expectOk(api('GET', `/v1/contacts?${query}`));
      expect({ query, ids: found.items.map((c: any) => c.id) }).toEqual({ query, ids: [to.id] });
    }
  });

  it("keeps the survivor's phone and e-mail where the merged contact has none, and carries the merged contact's alternates along", async () => {
    const { api } = await server.project();
    const a = await expectOk(api('POST', '/v1/contacts', { phone: '+79003330000' }));
    const b = await expectOk(api('POST', '/v1/contacts', { phone: '+79004440000', email: 'b@example.com' }));
    const c = await expectOk(api('POST', '/v1/contacts', { email: 'c@example.com' }));
    await merge(api, a.id, b.id); // b: phone a's, alternates [b's phone]
    const answer = await merge(api, b.id, c.id);
    expect(answer.contact).toMatchObject({
      phone: '+79003330000',
      email: 'b@example.com',
      alternates: { phones: ['+79004440000'], emails: ['c@example.com'] },
    });
  });

  it("lets the survivor's variables and external id win and fills the keys it lacks from the merged contact", async () => {
    const { api } = await server.project();
    const from = await expectOk(api('POST', '/v1/contacts', { external_id: 'crm-1', variables: { plan: 'gold', city: 'Riga', nested: { a: 1 } } }));
    const to = await expectOk(api('POST', '/v1/contacts', { variables: { plan: 'silver', lang: 'lv' } }));
    const answer = await merge(api, from.id, to.id);
    expect(answer.contact.variables).toEqual({ plan: 'silver', lang: 'lv', city: 'Riga', nested: { a: 1 } });
    expect(answer.contact.external_id).toBe('crm-1');

    const keeper = await expectOk(api('POST', '/v1/contacts', { external_id: 'crm-2' }));
    const other = await expectOk(api('POST', '/v1/contacts', { external_id: 'crm-3' }));
    expect((await merge(api, other.id, keeper.id)).contact.external_id).toBe('crm-2');
  });

  it("replaces the survivor's preferences only when the merged contact has some", async () => {
    const { api } = await server.project();
    const contact = async (preferences?: object) => {
      const c = await expectOk(api('POST', '/v1/contacts', {}));
      if (preferences) await expectOk(api('PUT', `/v1/contacts/${c.id}/preferences`, preferences));
      return c.id;
    };
    const withPrefs = await contact({ channel: 'sms', quiet_hours: [22, 8] });
    const survivor = await contact({ channel: 'email' });
    expect((await merge(api, withPrefs, survivor)).contact.preferences).toEqual({ channel: 'sms', quiet_hours: [22, 8] });
    const without = await contact();
    expect((await merge(api, without, survivor)).contact.preferences).toEqual({ channel: 'sms', quiet_hours: [22, 8] });
  });

  it('unites tags, notes, contact events and references, and deletes the scheduled jobs of inherited messages', async () => {
    const { api } = await server.project();
    const bot = await connectBot(api);
    const from = await personWriting(api, bot.id, 'f', 2);
    const to = await personWriting(api, bot.id, 't', 1);
    await expectOk(api('PATCH', `/v1/contacts/${from.contact_id}`, { tags: ['vip', 'lead'] }));
    await expectOk(api('PATCH', `/v1/contacts/${to.contact_id}`, { tags: ['vip', 'paid'] }));
    await expectOk(api('POST', `/v1/contacts/${from.contact_id}/notes`, { text: 'called on Monday' }));
    await expectOk(api('POST', `/v1/contacts/${to.contact_id}/notes`, { text: 'prefers mornings' }));
    await expectOk(api('POST', `/v1/contacts/${from.contact_id}/events`, { type: 'order.placed', data: { order: 7 } }));
    await expectOk(api('POST', `/v1/contacts/${from.contact_id}/references`, { kind: 'integration', ref: 'hubspot:42' }));
    await expectOk(api('POST', `/v1/contacts/${from.contact_id}/references`, { kind: 'sequence_run', ref: 'onboarding-3', data: { step: 2 } }));
    await expectOk(api('POST', `/v1/contacts/${to.contact_id}/references`, { kind: 'campaign', ref: 'black-friday' }));
    await expectOk(api('POST', `/v1/contacts/${from.contact_id}/references`, { kind: 'scheduled_message', ref: 'job-1', message_id: from.message_ids[0] }));
    await expectOk(api('POST', `/v1/contacts/${to.contact_id}/references`, { kind: 'scheduled_message', ref: 'job-2', message_id: to.message_ids[0] }));

    const answer = await merge(api, from.contact_id, to.contact_id);
    expect(answer.moved).toMatchObject({ notes: 1, contact_events: 1, references: 2, scheduled_messages_deleted: 1, tags_added: 1 });
    expect(answer.contact.tags).toEqual(['lead', 'paid', 'vip']);
    expect((await all(api, `/v1/contacts/${to.contact_id}/notes`)).map((n) => n.text)).toEqual(['called on Monday', 'prefers mornings']);
    expect(await all(api, `/v1/contacts/${to.contact_id}/events`)).toEqual([expect.objectContaining({ type: 'order.placed', data: { order: 7 }, contact_id: to.contact_id })]);
    expect((await all(api, `/v1/contacts/${to.contact_id}/references`)).map((r) => `${r.kind}:${r.ref}`).sort()).toEqual([
      'campaign:black-friday',
      'integration:hubspot:42',
      'scheduled_message:job-2',
      'sequence_run:onboarding-3',
    ]);
  });

  it('moves conversation events with their conversation, or into the conversation the messages joined', async () => {
    const { api } = await server.project();
    const telegram = await connectBot(api, 'telegram', 'a_bot');
    const vk = await connectBot(api, 'vk', 'club1');
    const from = await personWriting(api, telegram.id, 'f');
    const fromVk = await personWriting(api, vk.id, 'f-vk');
    await merge(api, fromVk.contact_id, from.contact_id);
    const to = await personWriting(api, telegram.id, 't');
    await expectOk(api('POST', `/v1/conversations/${from.conversation_id}/events`, { type: 'assigned', data: { agent: 'kim' } }));
    await expectOk(api('POST', `/v1/conversations/${fromVk.conversation_id}/events`, { type: 'closed' }));

    const answer = await merge(api, from.contact_id, to.contact_id);
    expect(answer.moved).toMatchObject({ conversations: 1, conversations_joined: 1, conversation_events: 2 });
    expect((await all(api, `/v1/conversations/${to.conversation_id}/events`)).map((e) => e.type)).toEqual(['assigned']);
    expect((await all(api, `/v1/conversations/${fromVk.conversation_id}/events`)).map((e) => e.type)).toEqual(['closed']);
    expect((await api('GET', `/v1/conversations/${from.conversation_id}/messages`)).status).toBe(404);
  });

  it('answers a dry run with the resulting contact and the counts, changing nothing', async () => {
    const { api } = await server.project();
    const bot = await connectBot(api);
    const from = await personWriting(api, bot.id, 'f', 3);
    const to = await personWriting(api, bot.id, 't', 1);
    await expectOk(api('PATCH', `/v1/contacts/${from.contact_id}`, { tags: ['x'], phone: '+79005550000' }));
    const before = [await expectOk(api('GET', `/v1/contacts/${from.contact_id}`)), await expectOk(api('GET', `/v1/contacts/${to.contact_id}`))];
    const history = await all(api, `/v1/contacts/${to.contact_id}/history`);

    const dry = await merge(api, from.contact_id, to.contact_id, true);
    expect(dry).toMatchObject({ merge_id: null, dry_run: true, contact: { id: to.contact_id, phone: '+79005550000', tags: ['x'] } });
    expect(dry.contact.identities).toHaveLength(2);
    expect([await expectOk(api('GET', `/v1/contacts/${from.contact_id}`)), await expectOk(api('GET', `/v1/contacts/${to.contact_id}`))]).toEqual(before);
    expect(await all(api, `/v1/contacts/${to.contact_id}/history`)).toEqual(history);
    expect(await all(api, `/v1/conversations/${from.conversation_id}/messages`)).toHaveLength(3);

    const real = await merge(api, from.contact_id, to.contact_id);
    expect(real.moved).toEqual(dry.moved);
    expect({ ...real.contact, updated_at: null }).toEqual({ ...dry.contact, updated_at: null });
  });

  it('refuses to merge a contact into itself, or from or into a merged or unknown contact, changing nothing', async () => {
    const { api } = await server.project();
    const a = await expectOk(api('POST', '/v1/contacts', { name: 'a' }));
    const b = await expectOk(api('POST', '/v1/contacts', { name: 'b' }));
    const c = await expectOk(api('POST', '/v1/contacts', { name: 'c' }));
    await merge(api, a.id, b.id);
    const unknown = '0190f0f0-0000-7000-8000-000000000000';
    const cases: Array<[string, string, number, string]> = [
      [c.id, c.id, 422, 'merge_into_itself'],
      [a.id, c.id, 409, 'contact_already_merged'],
      [c.id, a.id, 409, 'contact_already_merged'],
      [unknown, c.id, 404, 'contact_not_found'],
      [c.id, unknown, 404, 'contact_not_found'],
    ];
    for (const [from, to, status, code] of cases) {
      for (const dry_run of [false, true]) {
        const answer = await api('POST', '/v1/contacts/merge', { from_contact_id: from, to_contact_id: to, dry_run });
        expect({ from, to, status: answer.status, code: answer.body.error?.code }).toEqual({ from, to, status, code });
        expect(answer.body.error.message).toMatch(/contact/);
      }
    }
    const bad = await api('POST', '/v1/contacts/merge', { from_contact_id: c.id });
    expect(bad.status).toBe(400);
    expect((await all(api, '/v1/contacts')).map((x) => x.id).sort()).toEqual([b.id, c.id].sort());
    expect(await expectOk(api('GET', `/v1/contacts/${c.id}`))).toMatchObject({ state: 'active', name: 'c' });
  });

  it('answers every write to a merged contact with 409 contact_already_merged, naming the survivor to use', async () => {
    const { api } = await server.project();
    const a = await expectOk(api('POST', '/v1/contacts', { name: 'a' }));
    const b = await expectOk(api('POST', '/v1/contacts', { name: 'b' }));
    await merge(api, a.id, b.id);
    const writes: Array<[string, string, unknown]> = [
      ['PATCH', `/v1/contacts/${a.id}`, { name: 'x' }],
      ['POST', `/v1/contacts/${a.id}/notes`, { text: 'x' }],
      ['PUT', `/v1/contacts/${a.id}/preferences`, { preferences: { x: 1 } }],
      ['POST', `/v1/contacts/${a.id}/unmerge`, {}],
      ['DELETE', `/v1/contacts/${a.id}?erase=true`, undefined],
    ];
    for (const [method, path, body] of writes) {
      const answer = await api(method, path, body);
      expect({ path, status: answer.status, code: answer.body.error?.code }).toEqual({ path, status: 409, code: 'contact_already_merged' });
      expect(answer.body.error.message).toContain(a.id);
    }
    expect(await expectOk(api('GET', `/v1/contacts/${a.id}`))).toMatchObject({ state: 'merged', name: 'a' });
  });

  it('resolves a chain A→B, B→C so that A answers C, and shows both merges in the history of C', async () => {
    const { api } = await server.project();
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map(async (name) => (await expectOk(api('POST', '/v1/contacts', { name }))).id));
    const ab = await merge(api, a, b);
    const bc = await merge(api, b, c);
    expect(await expectOk(api('GET', `/v1/contacts/${a}`))).toMatchObject({ state: 'merged', merged_into: c });
    const history = await all(api, `/v1/contacts/${c}/history`);
    expect(history.map((h) => [h.kind, h.data.merge_id, h.data.reason, h.data.actor])).toEqual([
      ['merge', bc.merge_id, 'api', 'api'],
      ['merge', ab.merge_id, 'api', 'api'],
    ]);
  });

  it('records the merge with its reason, who asked and the counts, and writes contact.merged to the outbox', async () => {
    const { api, projectId } = await server.project();
    const bot = await connectBot(api);
    const from = await personWriting(api, bot.id, 'f', 2);
    const to = await personWriting(api, bot.id, 't');
    const answer = await merge(api, from.contact_id, to.contact_id);
    for (const id of [from.contact_id, to.contact_id]) {
      const [entry] = await all(api, `/v1/contacts/${id}/history`);
      expect(entry).toMatchObject({
        kind: 'merge',
        contact_id: to.contact_id,
        other_contact_id: from.contact_id,
        data: { merge_id: answer.merge_id, reason: 'api', actor: 'api', moved: answer.moved },
      });
    }
    const events = await server.store.db.selectFrom('outbox').select(['type', 'contact_id', 'data']).where('project_id', '=', projectId).where('type', '=', 'contact.merged').execute();
    expect(events).toEqual([
      { type: 'contact.merged', contact_id: to.contact_id, data: expect.objectContaining({ merge_id: answer.merge_id, from_contact_id: from.contact_id, to_contact_id: to.contact_id }) },
    ]);
  });

  it('merges with the same number of database statements however many messages move', async () => {
    const { api } = await server.project();
    const bot = await connectBot(api);
    const viber = await connectBot(api, 'viber', 'v');
    const pair = async (name: string, messages: number) => {
      const from = await personWriting(api, bot.id, `${name}-from`, messages);
      await merge(api, (await personWriting(api, viber.id, `${name}-from-vb`, messages)).contact_id, from.contact_id);
      const to = await personWriting(api, bot.id, `${name}-to`, 1);
      return { from: from.contact_id, to: to.contact_id };
    };
    const small = await pair('small', 1);
    const big = await pair('big', 40);
    const cost = async ({ from, to }: { from: string; to: string }) => {
      const before = server.queries();
      const answer = await merge(api, from, to);
      return { statements: server.queries() - before, messages: answer.moved.messages };
    };
    const smallCost = await cost(small);
    const bigCost = await cost(big);
    expect(bigCost.messages).toBe(80);
    expect(bigCost.statements).toBe(smallCost.statements);
  });
});

describe('the merge API document', () => {
  it('lists the merge, undo, unmerge, history and record endpoints in /openapi.json', async () => {
    const doc: any = await (await fetch(`${server.url}/openapi.json`)).json();
    for (const path of [
      '/v1/contacts/merge',
      '/v1/merges/{id}/undo',
      '/v1/contacts/{id}/unmerge',
      '/v1/contacts/{id}/history',
      '/v1/contacts/{id}/notes',
      '/v1/contacts/{id}/events',
      '/v1/contacts/{id}/references',
      '/v1/contacts/{id}/preferences',
      '/v1/conversations/{id}/events',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    expect(JSON.stringify(doc.paths['/v1/contacts/merge'].post)).toContain('dry_run');
  });
});
