import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { all, expectOk, merge } from './helpers/contacts.js';
import { startServer, type Api, type TestServer } from './helpers/server.js';

// Every way a merge is made writes the same records: the API's merge, a rule's merge through the merge
// engine, and the bulk dedupe's set-based merge of contacts that own nothing but their fields.

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const OLDER = { name: 'Older', phone: '+14155552671', email: 'older@example.com', external_id: 'crm-1', variables: { plan: 'gold', a: 1 }, tags: ['lead', 'vip'] };
const NEWER = { name: 'Newer', phone: '+14155552671', email: 'newer@example.com', variables: { plan: 'silver', b: 2 }, tags: ['vip', 'new'] };

/** `newer` is the merged contact: a rule may merge it as it is written, before its id is answered. */
type Made = { api: Api; older: string; newer?: string; ruleId: string | null };

/** What a project holds about the pair, ids replaced by names: the survivor, the history of both, the events. */
async function records(made: Made) {
  const { api, older, ruleId } = made;
  const merged = (await all(api, `/v1/contacts/${older}/history`)).filter((h) => h.kind === 'merge' || h.kind === 'rule_match');
  const { merge_id: mergeId, from_contact_id: newer } = merged.find((h) => h.kind === 'merge').data as Record<string, string>;
  if (made.newer) expect(newer).toBe(made.newer);
  made.newer = newer;
  const names: Array<[string, string]> = [[older, 'OLDER'], [newer, 'NEWER'], [mergeId, 'MERGE'], ...(ruleId ? [[ruleId, 'RULE'] as [string, string]] : [])];
  const named = (value: unknown) => JSON.parse(names.reduce((text, [id, name]) => text.split(id).join(name), JSON.stringify(value)));
  // reason and actor say who asked (api, rule:<id>, the dedupe): the one thing that may differ
  const withoutWho = (data: Record<string, unknown>) => ({ ...data, reason: null, actor: null });
  const events = (await all(api, '/v1/events?after=0')).filter((e) => e.type === 'contact.merged');
  const survivor = await expectOk(api('GET', `/v1/contacts/${older}`));
  return {
    mergeId,
    history: named(merged.map((h) => ({ kind: h.kind, contact_id: h.contact_id, other_contact_id: h.other_contact_id, data: h.kind === 'merge' ? withoutWho(h.data) : h.data }))),
    events: named(events.map((e) => ({ type: e.type, contact_id: e.contact_id, data: withoutWho(e.data) }))),
    survivor: named({ ...survivor, created_at: null, updated_at: null }),
    merged: named({ ...(await expectOk(api('GET', `/v1/contacts/${newer}`))), created_at: null, updated_at: null }),
  };
}

/** After an undo (which reads the merge's record and journal): both contacts as they were. */
async function undone(made: Made, mergeId: string) {
  await expectOk(made.api('POST', `/v1/merges/${mergeId}/undo`, {}));
  const names: Array<[string, string]> = [[made.older, 'OLDER'], [made.newer!, 'NEWER']];
  const named = (value: unknown) => JSON.parse(names.reduce((text, [id, name]) => text.split(id).join(name), JSON.stringify(value)));
  const card = async (id: string) => named({ ...(await expectOk(made.api('GET', `/v1/contacts/${id}`))), created_at: null, updated_at: null });
  return { older: await card(made.older), newer: await card(made.newer!) };
}

async function pair(api: Api) {
  const older = (await expectOk(api('POST', '/v1/contacts', OLDER))).id as string;
  const newer = (await expectOk(api('POST', '/v1/contacts', NEWER))).id as string;
  return { older, newer };
}

const rule = async (api: Api) => (await expectOk(api('POST', '/v1/merge-rules', { fields: ['phone'] }))).id as string;

describe('one merge, whoever makes it', () => {
  it('leaves the same history, events, survivor and undo whether the API, a rule or the bulk dedupe merges a pair', async () => {
    // the API
    const byApi = await server.project();
    const api: Made = { api: byApi.api, ...(await pair(byApi.api)), ruleId: null };
    await merge(api.api, api.newer!, api.older);

    // a rule, through the merge engine, as the newer contact is written
    const byRule = await server.project();
    const ruleId = await rule(byRule.api);
    const ruled: Made = { api: byRule.api, older: (await pair(byRule.api)).older, ruleId };

    // the bulk dedupe of contacts that were there before the rule
    const byDedupe = await server.project();
    const deduped: Made = { api: byDedupe.api, ...(await pair(byDedupe.api)), ruleId: null };
    deduped.ruleId = await rule(byDedupe.api);
    expect((await expectOk(byDedupe.api('POST', '/v1/dedupe', {}))).contacts_merged).toBe(1);

    const [a, r, d] = [await records(api), await records(ruled), await records(deduped)];
    // the rule's merges say which rule and values matched, beside the merge; the API's has no rule to name
    expect(d.history).toEqual(r.history);
    expect(r.history.filter((h: { kind: string }) => h.kind === 'merge')).toEqual(a.history);
    expect(r.history.map((h: { kind: string }) => h.kind).sort()).toEqual(['merge', 'rule_match']);
    expect(d.events).toEqual(r.events);
    expect(r.events).toEqual(a.events);
    expect(a.events).toHaveLength(1);
    expect(d.survivor).toEqual(a.survivor);
    expect(r.survivor).toEqual(a.survivor);
    expect(d.merged).toEqual(a.merged);
    expect(r.merged).toEqual(a.merged);

    const afterUndo = await undone(api, a.mergeId);
    expect(await undone(ruled, r.mergeId)).toEqual(afterUndo);
    expect(await undone(deduped, d.mergeId)).toEqual(afterUndo);
    expect(afterUndo.older).toMatchObject({ state: 'active', phone: OLDER.phone, email: OLDER.email, variables: OLDER.variables });
  });
});
