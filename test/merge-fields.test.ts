import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suggestMerge } from '../src/usecases/steps/suggest-merge.js';
import { expectOk } from './helpers/contacts.js';
import { startServer, type Api, type TestServer } from './helpers/server.js';

// POST /v1/contacts/merge `fields` (docs/merging.md): the operator chooses, per field, which side's value stays.

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

async function twoContacts(api: Api) {
  const from = await expectOk(api('POST', '/v1/contacts', { name: 'Boris K', phone: '+79001110000', email: 'boris@example.com', external_id: 'crm-b', variables: { plan: 'pro', city: 'Riga' } }));
  const to = await expectOk(api('POST', '/v1/contacts', { name: 'Boris Karpov', phone: '+79002220000', external_id: 'crm-k', variables: { plan: 'free', lang: 'ru' } }));
  return { from, to };
}

describe('choosing per field which value a merge keeps', () => {
  it('keeps the chosen side of each field, shows it in the dry run first, and changes nothing until asked', async () => {
    const { api } = await server.project();
    const { from, to } = await twoContacts(api);
    const fields = { name: 'from', phone: 'to', external_id: 'from', 'variables.plan': 'from', 'variables.lang': 'from' };

    const dry = await expectOk(api('POST', '/v1/contacts/merge', { from_contact_id: from.id, to_contact_id: to.id, dry_run: true, fields }));
    expect(dry.contact).toMatchObject({ name: 'Boris K', phone: '+79002220000', email: 'boris@example.com', external_id: 'crm-b', variables: { plan: 'pro', city: 'Riga' } });
    expect(dry.contact.variables).not.toHaveProperty('lang');
    expect((await expectOk(api('GET', `/v1/contacts/${to.id}`))).name).toBe('Boris Karpov');

    const done = await expectOk(api('POST', '/v1/contacts/merge', { from_contact_id: from.id, to_contact_id: to.id, fields }));
    expect(done.contact).toMatchObject({ name: 'Boris K', phone: '+79002220000', external_id: 'crm-b', variables: { plan: 'pro', city: 'Riga' } });
    const card = await expectOk(api('GET', `/v1/contacts/${to.id}`));
    expect(card).toMatchObject({ name: 'Boris K', phone: '+79002220000', email: 'boris@example.com' });
    expect(card.variables).toEqual({ plan: 'pro', city: 'Riga' });
  });

  it('restores both contacts exactly on undo, the values the choice replaced included', async () => {
    const { api } = await server.project();
    const { from, to } = await twoContacts(api);
    const done = await expectOk(
      api('POST', '/v1/contacts/merge', { from_contact_id: from.id, to_contact_id: to.id, fields: { name: 'from', email: 'to', 'variables.plan': 'from', 'variables.lang': 'from' } }),
    );
    const journal = await server.store.db.selectFrom('merges').select('plan').where('id', '=', done.merge_id).executeTakeFirstOrThrow();
    expect(journal.plan).toMatchObject({ fields: { name: 'from', email: 'to', 'variables.plan': 'from', 'variables.lang': 'from' } });
    const history = (await expectOk(api('GET', `/v1/contacts/${to.id}/history`))).items;
    expect(history.find((h: { kind: string }) => h.kind === 'merge').data.fields).toEqual({ name: 'from', email: 'to', 'variables.plan': 'from', 'variables.lang': 'from' });
    await expectOk(api('POST', `/v1/merges/${done.merge_id}/undo`));

    const [f, t] = [await expectOk(api('GET', `/v1/contacts/${from.id}`)), await expectOk(api('GET', `/v1/contacts/${to.id}`))];
    expect(f).toMatchObject({ state: 'active', name: 'Boris K', phone: '+79001110000', email: 'boris@example.com', external_id: 'crm-b', variables: { plan: 'pro', city: 'Riga' } });
    expect(t).toMatchObject({ state: 'active', name: 'Boris Karpov', phone: '+79002220000', email: null, external_id: 'crm-k', variables: { plan: 'free', lang: 'ru' } });
    expect(Object.keys(t.variables).sort()).toEqual(['lang', 'plan']);
  });

  it('without a choice keeps the survivor\'s name as before', async () => {
    const { api } = await server.project();
    const { from, to } = await twoContacts(api);
    const done = await expectOk(api('POST', '/v1/contacts/merge', { from_contact_id: from.id, to_contact_id: to.id }));
    expect(done.contact).toMatchObject({ name: 'Boris Karpov', phone: '+79001110000', external_id: 'crm-k', variables: { plan: 'free', lang: 'ru', city: 'Riga' } });
  });

  it('refuses an unknown field or a variable neither contact has with 422 naming it, and merges nothing', async () => {
    const { api } = await server.project();
    const { from, to } = await twoContacts(api);
    for (const field of ['nickname', 'variables.discount']) {
      const answer = await api('POST', '/v1/contacts/merge', { from_contact_id: from.id, to_contact_id: to.id, fields: { [field]: 'from' } });
      expect(answer.status).toBe(422);
      expect(answer.body.error.code).toBe('unknown_merge_field');
      expect(answer.body.error.message).toContain(field);
    }
    const wrongSide = await api('POST', '/v1/contacts/merge', { from_contact_id: from.id, to_contact_id: to.id, fields: { name: 'both' } });
    expect(wrongSide.status).toBe(400);
    expect((await expectOk(api('GET', `/v1/contacts/${from.id}`))).state).toBe('active');
  });

  it('lets the approval of a suggestion choose per field too', async () => {
    const { api, projectId } = await server.project();
    const { from, to } = await twoContacts(api);
    const { suggestion } = await server.store.transaction((tx) =>
      suggestMerge(tx, projectId, { kind: 'rule', fromId: from.id, toId: to.id, reason: 'rule:r1', evidence: {} }),
    );
    const approved = await expectOk(api('POST', `/v1/merge-suggestions/${suggestion.id}/approve`, { actor: 'Olga', fields: { name: 'from', phone: 'to' } }));
    expect(approved.merge.contact).toMatchObject({ id: to.id, name: 'Boris K', phone: '+79002220000' });
  });
});
