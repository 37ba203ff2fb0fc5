import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suggestMerge, type MergeProposal } from '../src/usecases/steps/suggest-merge.js';
import { startServer, type TestServer } from './helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

// Links and rules make suggestions from inside their own transactions; here the test plays their part.
const suggest = (projectId: string, proposal: MergeProposal) => server.store.transaction((tx) => suggestMerge(tx, projectId, proposal));

async function twoContacts(api: (m: string, p: string, b?: unknown) => Promise<any>) {
  const a = (await api('POST', '/v1/contacts', { name: 'Ann on Instagram', email: 'ann@example.com' })).body;
  const b = (await api('POST', '/v1/contacts', { name: 'Ann on WhatsApp', phone: '+14155552671' })).body;
  return { a, b };
}

describe('merge suggestions (docs/merging.md)', () => {
  it('lists a pending suggestion with its evidence, and approval runs the merge it describes', async () => {
    const { api, projectId } = await server.project();
    const { a, b } = await twoContacts(api);
    const { suggestion, created } = await suggest(projectId, { kind: 'rule', fromId: b.id, toId: a.id, reason: 'rule:r1', evidence: { rule_id: 'r1', fields: ['email'], values: { email: 'ann@example.com' } } });
    expect(created).toBe(true);

    const pending = await api('GET', '/v1/merge-suggestions?status=pending');
    expect(pending.body.items).toEqual([expect.objectContaining({ id: suggestion.id, status: 'pending', from_contact_id: b.id, to_contact_id: a.id, evidence: expect.objectContaining({ rule_id: 'r1' }) })]);

    const approved = await api('POST', `/v1/merge-suggestions/${suggestion.id}/approve`, { actor: 'operator Kim' });
    expect(approved.status).toBe(200);
    expect(approved.body.suggestion).toMatchObject({ status: 'approved', decided_by: 'operator Kim', merge_id: approved.body.merge.merge_id });
    expect(approved.body.merge.contact).toMatchObject({ id: a.id, phone: '+14155552671', email: 'ann@example.com' });
    expect((await api('GET', `/v1/contacts/${b.id}`)).body).toMatchObject({ state: 'merged', merged_into: a.id });
    const history = await api('GET', `/v1/contacts/${a.id}/history`);
    expect(history.body.items.map((h: { kind: string }) => h.kind)).toEqual(expect.arrayContaining(['merge', 'merge_suggested']));
    expect(JSON.stringify(history.body)).toContain(`suggestion:${suggestion.id}`);
    expect((await api('GET', '/v1/merge-suggestions?status=pending')).body.items).toEqual([]);
  });

  it('rejection keeps both contacts, records who decided, and the pair is not suggested again', async () => {
    const { api, projectId } = await server.project();
    const { a, b } = await twoContacts(api);
    const first = await suggest(projectId, { kind: 'rule', fromId: b.id, toId: a.id, reason: 'rule:r1', evidence: {} });
    const rejected = await api('POST', `/v1/merge-suggestions/${first.suggestion.id}/reject`, { actor: 'operator Kim' });
    expect(rejected.body).toMatchObject({ status: 'rejected', decided_by: 'operator Kim', merge_id: null });
    expect((await api('GET', `/v1/contacts/${a.id}`)).body.state).toBe('active');
    expect((await api('GET', `/v1/contacts/${b.id}`)).body.state).toBe('active');

    const again = await suggest(projectId, { kind: 'rule', fromId: a.id, toId: b.id, reason: 'rule:r2', evidence: {} });
    expect(again).toMatchObject({ created: false, suggestion: { id: first.suggestion.id, status: 'rejected' } });
    expect((await api('GET', '/v1/merge-suggestions?status=pending')).body.items).toEqual([]);
    const history = await api('GET', `/v1/contacts/${b.id}/history`);
    expect(history.body.items[0]).toMatchObject({ kind: 'merge_rejected', data: expect.objectContaining({ decided_by: 'operator Kim' }) });
  });

  it('refuses to decide twice or to decide what does not exist, changing nothing', async () => {
    const { api, projectId } = await server.project();
    const { a, b } = await twoContacts(api);
    const { suggestion } = await suggest(projectId, { kind: 'link', fromId: b.id, toId: a.id, reason: 'link', evidence: {} });
    await api('POST', `/v1/merge-suggestions/${suggestion.id}/reject`);
    const twice = await api('POST', `/v1/merge-suggestions/${suggestion.id}/approve`);
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('suggestion_already_decided');
    expect((await api('GET', `/v1/contacts/${b.id}`)).body.state).toBe('active');
    const missing = await api('POST', '/v1/merge-suggestions/0190f0f0-0000-7000-8000-000000000000/approve');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('suggestion_not_found');
    const foreign = await server.project();
    expect((await foreign.api('POST', `/v1/merge-suggestions/${suggestion.id}/reject`)).status).toBe(404);
    expect((await api('GET', '/v1/merge-suggestions?status=maybe')).status).toBe(400);
  });

  it('merges where the contacts live now when one of them was merged elsewhere meanwhile', async () => {
    const { api, projectId } = await server.project();
    const { a, b } = await twoContacts(api);
    const c = (await api('POST', '/v1/contacts', { name: 'Ann by e-mail' })).body;
    const { suggestion } = await suggest(projectId, { kind: 'rule', fromId: b.id, toId: a.id, reason: 'rule:r1', evidence: {} });
    await api('POST', '/v1/contacts/merge', { from_contact_id: b.id, to_contact_id: c.id });
    const approved = await api('POST', `/v1/merge-suggestions/${suggestion.id}/approve`);
    expect(approved.status).toBe(200);
    expect((await api('GET', `/v1/contacts/${c.id}`)).body).toMatchObject({ state: 'merged', merged_into: a.id });

    // both sides already one contact: approval has nothing left to merge
    const d = (await api('POST', '/v1/contacts', { name: 'd' })).body;
    const e = (await api('POST', '/v1/contacts', { name: 'e' })).body;
    const late = await suggest(projectId, { kind: 'rule', fromId: e.id, toId: d.id, reason: 'rule:r1', evidence: {} });
    await api('POST', '/v1/contacts/merge', { from_contact_id: e.id, to_contact_id: d.id });
    const nothingLeft = await api('POST', `/v1/merge-suggestions/${late.suggestion.id}/approve`);
    expect(nothingLeft.body).toMatchObject({ suggestion: { status: 'approved', merge_id: null }, merge: null });
  });
});
