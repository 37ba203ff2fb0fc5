import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { all, expectOk, merge, personWriting, snapshot } from './helpers/contacts.js';
import { connectBot, startServer, type Api, type TestServer } from './helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

/** Two contacts with something of every kind docs/merging.md moves. */
async function richPair(api: Api) {
  const telegram = await connectBot(api, 'telegram', 'shop_bot');
  const whatsapp = await connectBot(api, 'whatsapp', '+15550001111');
  const from = await personWriting(api, telegram.id, 'f-tg', 3, { attachments: [{ type: 'file', url: 'https://cdn.example/a.pdf' }] });
  const fromWa = await personWriting(api, whatsapp.id, 'f-wa', 2);
  await merge(api, fromWa.contact_id, from.contact_id);
  const to = await personWriting(api, telegram.id, 't-tg', 2);
  const f = from.contact_id;
  const t = to.contact_id;
  await expectOk(api('PATCH', `/v1/contacts/${f}`, { phone: '+79001110000', email: 'f@example.com', external_id: 'crm-f', variables: { a: 1, shared: 'f' }, tags: ['lead', 'vip'] }));
  await expectOk(api('PATCH', `/v1/contacts/${t}`, { phone: '+79002220000', variables: { b: 2, shared: 't' }, tags: ['vip'] }));
  await expectOk(api('PUT', `/v1/contacts/${f}/preferences`, { channel: 'whatsapp' }));
  await expectOk(api('PUT', `/v1/contacts/${t}/preferences`, { channel: 'telegram' }));
  await expectOk(api('POST', `/v1/contacts/${f}/notes`, { text: 'from note' }));
  await expectOk(api('POST', `/v1/contacts/${t}/notes`, { text: 'to note' }));
  await expectOk(api('POST', `/v1/contacts/${f}/events`, { type: 'order.placed' }));
  await expectOk(api('POST', `/v1/contacts/${f}/references`, { kind: 'agent_session', ref: 's-1' }));
  await expectOk(api('POST', `/v1/contacts/${f}/references`, { kind: 'scheduled_message', ref: 'job-1', message_id: from.message_ids[1] }));
  await expectOk(api('POST', `/v1/conversations/${from.conversation_id}/events`, { type: 'assigned' }));
  await expectOk(api('POST', `/v1/conversations/${fromWa.conversation_id}/events`, { type: 'window.opened' }));
  return { whatsapp, from, to };
}

const withoutTimes = (s: Awaited<ReturnType<typeof snapshot>>) => ({ ...s, card: { ...s.card, updated_at: null } });

describe('undoing a merge', () => {
  it('puts back everything the merge moved, deleted and changed', async () => {
    const { api } = await server.project();
    const { whatsapp, from, to } = await richPair(api);
    const before = [withoutTimes(await snapshot(api, from.contact_id)), withoutTimes(await snapshot(api, to.contact_id))];

    const done = await merge(api, from.contact_id, to.contact_id);
    expect(done.moved).toMatchObject({ identities: 2, conversations: 1, conversations_joined: 1, messages: 5, scheduled_messages_deleted: 1 });
    const undone = await expectOk(api('POST', `/v1/merges/${done.merge_id}/undo`));
    expect(undone.contacts.map((c: any) => [c.id, c.state])).toEqual([
      [from.contact_id, 'active'],
      [to.contact_id, 'active'],
    ]);

    const after = [withoutTimes(await snapshot(api, from.contact_id)), withoutTimes(await snapshot(api, to.contact_id))];
    expect(after).toEqual(before);
    expect((await expectOk(api('GET', `/v1/contacts?phone=%2B79002220000`))).items.map((c: any) => c.id)).toEqual([to.contact_id]);
    const back = await expectOk(api('POST', '/v1/inbound', { bot_id: whatsapp.id, external_user_id: 'f-wa', text: 'mine again' }));
    expect(back.contact_id).toBe(from.contact_id);
  });

  it('keeps what was changed on the survivor after the merge', async () => {
    const { api } = await server.project();
    const from = await expectOk(api('POST', '/v1/contacts', { phone: '+79001110000', variables: { city: 'Riga' } }));
    const to = await expectOk(api('POST', '/v1/contacts', { phone: '+79002220000', variables: { plan: 'gold' } }));
    const done = await merge(api, from.id, to.id);
    await expectOk(api('PATCH', `/v1/contacts/${to.id}`, { phone: '+79003330000' }));
    const undone = await expectOk(api('POST', `/v1/merges/${done.merge_id}/undo`));
    expect(undone.contacts[0]).toMatchObject({ id: from.id, phone: '+79001110000', variables: { city: 'Riga' } });
    expect(undone.contacts[1]).toMatchObject({ id: to.id, phone: '+79003330000', variables: { plan: 'gold' }, alternates: { phones: [], emails: [] } });
  });

  it('refuses while a later merge stands on it, and undoes once that one is undone', async () => {
    const { api } = await server.project();
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map(async (name) => (await expectOk(api('POST', '/v1/contacts', { name }))).id));
    const ab = await merge(api, a, b);
    const cb = await merge(api, c, b);
    const refused = await api('POST', `/v1/merges/${ab.merge_id}/undo`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'merge_has_later_changes', message: expect.stringContaining(cb.merge_id) });
    expect(await expectOk(api('GET', `/v1/contacts/${a}`))).toMatchObject({ state: 'merged' });

    await expectOk(api('POST', `/v1/merges/${cb.merge_id}/undo`));
    await expectOk(api('POST', `/v1/merges/${ab.merge_id}/undo`));
    expect((await all(api, '/v1/contacts')).length).toBe(3);
    const again = await api('POST', `/v1/merges/${ab.merge_id}/undo`);
    expect([again.status, again.body.error.code]).toEqual([409, 'merge_already_undone']);
    const unknown = await api('POST', '/v1/merges/0190f0f0-0000-7000-8000-000000000000/undo');
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'merge_not_found']);
  });

  it('undoes the last merge of a chain so that the first merged contact points at the middle one again', async () => {
    const { api } = await server.project();
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map(async (name) => (await expectOk(api('POST', '/v1/contacts', { name }))).id));
    await merge(api, a, b);
    const bc = await merge(api, b, c);
    await expectOk(api('POST', `/v1/merges/${bc.merge_id}/undo`));
    expect(await expectOk(api('GET', `/v1/contacts/${a}`))).toMatchObject({ state: 'merged', merged_into: b });
  });
});

describe('unmerging an identity (docs/merging.md)', () => {
  it('unties the named identity into a new contact with its messages in a conversation of its own', async () => {
    const { api, projectId } = await server.project();
    const bot = await connectBot(api);
    const first = await personWriting(api, bot.id, 'acc-1', 2);
    const second = await personWriting(api, bot.id, 'acc-2', 3);
    await merge(api, first.contact_id, second.contact_id); // one conversation with both accounts' messages

    const answer = await expectOk(api('POST', `/v1/contacts/${second.contact_id}/unmerge`, { identity_id: first.identity_id }));
    expect(answer).toMatchObject({ from_contact_id: second.contact_id, identity_id: first.identity_id, moved: { conversations: 1, messages: 2 } });
    expect(answer.contact.identities.map((i: any) => i.id)).toEqual([first.identity_id]);
    const [own] = await all(api, `/v1/contacts/${answer.contact_id}/conversations`);
    expect((await all(api, `/v1/conversations/${own.id}/messages`)).map((m) => [m.text, m.identity_id])).toEqual([
      ['acc-1 #0', first.identity_id],
      ['acc-1 #1', first.identity_id],
    ]);
    expect((await all(api, `/v1/conversations/${second.conversation_id}/messages`)).map((m) => m.text)).toEqual(['acc-2 #0', 'acc-2 #1', 'acc-2 #2']);
    const next = await expectOk(api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'acc-1', text: 'me' }));
    expect(next).toMatchObject({ contact_id: answer.contact_id, conversation_id: own.id });

    const [entry] = await all(api, `/v1/contacts/${second.contact_id}/history`);
    expect(entry).toMatchObject({ kind: 'unmerge', contact_id: second.contact_id, other_contact_id: answer.contact_id, data: { identity_id: first.identity_id, actor: 'api' } });
    const events = await server.store.db.selectFrom('outbox').select(['type', 'data']).where('project_id', '=', projectId).where('type', '=', 'contact.unmerged').execute();
    expect(events).toEqual([{ type: 'contact.unmerged', data: expect.objectContaining({ contact_id: second.contact_id, new_contact_id: answer.contact_id }) }]);
  });

  it('takes a whole conversation along when it holds only that identity\'s messages', async () => {
    const { api } = await server.project();
    const telegram = await connectBot(api);
    const viber = await connectBot(api, 'viber', 'shop');
    const tg = await personWriting(api, telegram.id, 'tg', 1);
    const vb = await personWriting(api, viber.id, 'vb', 2);
    await merge(api, vb.contact_id, tg.contact_id);
    const answer = await expectOk(api('POST', `/v1/contacts/${tg.contact_id}/unmerge`, { identity_id: vb.identity_id }));
    expect((await all(api, `/v1/contacts/${answer.contact_id}/conversations`)).map((c) => c.id)).toEqual([vb.conversation_id]);
    expect((await all(api, `/v1/contacts/${tg.contact_id}/conversations`)).map((c) => c.id)).toEqual([tg.conversation_id]);
  });

  it('unties the identity the client wrote from last when none is named', async () => {
    const { api } = await server.project();
    const bot = await connectBot(api);
    const a = await personWriting(api, bot.id, 'a');
    const b = await personWriting(api, bot.id, 'b');
    await merge(api, b.contact_id, a.contact_id);
    await personWriting(api, bot.id, 'b');
    await personWriting(api, bot.id, 'a');
    const answer = await expectOk(api('POST', `/v1/contacts/${a.contact_id}/unmerge`));
    expect(answer.identity_id).toBe(a.identity_id);
  });

  it('says so when the contact has a single identity, or not the one named, changing nothing', async () => {
    const { api } = await server.project();
    const bot = await connectBot(api);
    const a = await personWriting(api, bot.id, 'a');
    const b = await personWriting(api, bot.id, 'b');
    const cases: Array<[string, unknown, number, string]> = [
      [a.contact_id, undefined, 409, 'last_identity'],
      [a.contact_id, { identity_id: a.identity_id }, 409, 'last_identity'],
      [a.contact_id, { identity_id: b.identity_id }, 404, 'identity_not_found'],
      ['0190f0f0-0000-7000-8000-000000000000', {}, 404, 'contact_not_found'],
    ];
    for (const [contact, body, status, code] of cases) {
      const answer = await api('POST', `/v1/contacts/${contact}/unmerge`, body);
      expect({ body, status: answer.status, code: answer.body.error?.code }).toEqual({ body, status, code });
    }
    expect(await all(api, '/v1/contacts')).toHaveLength(2);
  });

  it('keeps the merge from being undone once an identity was untied from the survivor', async () => {
    const { api } = await server.project();
    const bot = await connectBot(api);
    const a = await personWriting(api, bot.id, 'a');
    const b = await personWriting(api, bot.id, 'b');
    const c = await personWriting(api, bot.id, 'c');
    const ab = await merge(api, a.contact_id, b.contact_id);
    await merge(api, c.contact_id, b.contact_id).then((m) => expectOk(api('POST', `/v1/merges/${m.merge_id}/undo`)));
    await expectOk(api('POST', `/v1/contacts/${b.contact_id}/unmerge`, { identity_id: a.identity_id }));
    const refused = await api('POST', `/v1/merges/${ab.merge_id}/undo`);
    expect([refused.status, refused.body.error.code]).toEqual([409, 'merge_has_later_changes']);
    const kinds = (await all(api, `/v1/contacts/${b.contact_id}/history`)).map((h) => h.kind);
    expect(kinds).toEqual(['unmerge', 'undo', 'merge', 'merge']);
  });
});
