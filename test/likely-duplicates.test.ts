import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Api, type TestServer } from './helpers/server.js';

// docs/likely-duplicates.md over HTTP: scored, explained candidates for one contact; the whole-base pass
// that suggests them once per pair; approval through the normal (undoable) merge.

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

async function contact(api: Api, body: Record<string, unknown>): Promise<{ id: string }> {
  const answer = await api('POST', '/v1/contacts', body);
  expect(answer.status).toBe(201);
  return answer.body;
}

/** Aleksei on Telegram and Алексей on WhatsApp, plus people who only look a little alike. */
async function aleksei(api: Api) {
  const latin = await contact(api, { name: 'Aleksei Ivanov', email: 'a.ivanov@gmail.com', phone: '+79001234567' });
  const cyrillic = await contact(api, { name: 'Алексей Иванов', email: 'aivanov@gmail.com', phone: '+79001234576' });
  const namesake = await contact(api, { name: 'Aleksei Ivanov', phone: '+12025550123' });
  const stranger = await contact(api, { name: 'Maria Petrova', phone: '+79001234568' });
  return { latin, cyrillic, namesake, stranger };
}

describe('likely duplicates (docs/likely-duplicates.md)', () => {
  it('answers the same person written in another script with a swapped phone and a dotted gmail, explained field by field', async () => {
    const { api } = await server.project();
    const { latin, cyrillic } = await aleksei(api);

    const answer = await api('GET', `/v1/contacts/${latin.id}/duplicates`);
    expect(answer.status).toBe(200);
    expect(answer.body.items).toHaveLength(1);
    const [item] = answer.body.items;
    expect(item.contact).toMatchObject({ id: cyrillic.id, name: 'Алексей Иванов', state: 'active' });
    expect(item.score).toBeGreaterThanOrEqual(0.8);
    expect(item.score).toBeLessThanOrEqual(1);
    expect(item.evidence).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'name', a: 'Aleksei Ivanov', b: 'Алексей Иванов', comparison: 'transliterated' }),
        expect.objectContaining({ field: 'phone', a: '+79001234567', b: '+79001234576', comparison: 'two adjacent digits swapped' }),
        expect.objectContaining({ field: 'email', a: 'a.ivanov@gmail.com', b: 'aivanov@gmail.com', comparison: 'same after removing dots/+tags' }),
      ]),
    );
    // the same from the other side
    const back = await api('GET', `/v1/contacts/${cyrillic.id}/duplicates`);
    expect(back.body.items.map((i: { contact: { id: string }; score: number }) => [i.contact.id, i.score])).toEqual([[latin.id, item.score]]);
  });

  it('finds a name with the same city and company, and leaves out what scores below the project threshold', async () => {
    const { api } = await server.project();
    const a = await contact(api, { name: 'Maria Petrova', variables: { city: 'Kazan', company: 'Acme' } });
    const b = await contact(api, { name: 'Мария Петрова', variables: { city: 'kazan', company: 'ACME' } });
    await contact(api, { name: 'Maria Petrova', variables: { city: 'Kazan', company: 'Globex' } });

    const found = await api('GET', `/v1/contacts/${a.id}/duplicates`);
    expect(found.body.items.map((i: { contact: { id: string } }) => i.contact.id)).toEqual([b.id]);
    const score = found.body.items[0].score;
    expect(found.body.items[0].evidence.filter((e: { comparison: string }) => e.comparison === 'same variable').map((e: { field: string }) => e.field)).toEqual([
      'variables.city',
      'variables.company',
    ]);

    expect((await api('PUT', '/v1/settings', { likely_threshold: Math.min(1, score + 0.01) })).status).toBe(200);
    expect((await api('GET', `/v1/contacts/${a.id}/duplicates`)).body.items).toEqual([]);
    expect((await api('PUT', '/v1/settings', { likely_threshold: 0.5 })).body.likely_threshold).toBe(0.5);
    expect((await api('GET', `/v1/contacts/${a.id}/duplicates`)).body.items.length).toBeGreaterThanOrEqual(1);
  });

  it('refuses a threshold outside 0–1, an unknown contact and a merged one, changing nothing', async () => {
    const { api } = await server.project();
    for (const bad of [0, 1.5, 'high']) {
      const answer = await api('PUT', '/v1/settings', { likely_threshold: bad });
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('invalid_request');
    }
    expect((await api('GET', '/v1/settings')).body.likely_threshold).toBe(0.8);
    expect((await api('GET', '/v1/contacts/00000000-0000-4000-8000-000000000000/duplicates')).body.error.code).toBe('contact_not_found');
    const { latin, cyrillic } = await aleksei(api);
    expect((await api('POST', '/v1/contacts/merge', { from_contact_id: cyrillic.id, to_contact_id: latin.id })).status).toBe(200);
    const merged = await api('GET', `/v1/contacts/${cyrillic.id}/duplicates`);
    expect([merged.status, merged.body.error.code]).toEqual([409, 'contact_already_merged']);
    // a merged contact is never a candidate
    expect((await api('GET', `/v1/contacts/${latin.id}/duplicates`)).body.items).toEqual([]);
    expect((await api('GET', `/v1/contacts/${latin.id}/duplicates?limit=0`)).status).toBe(400);
  });

  it('suggests each likely pair of the whole base once, with score and evidence in the merge.suggested event; a rejected pair stays rejected', async () => {
    const { api } = await server.project();
    const { latin, cyrillic } = await aleksei(api);
    const kazan = await contact(api, { name: 'Maria Petrova', variables: { city: 'Kazan', company: 'Acme' } });
    const kazan2 = await contact(api, { name: 'Мария Петрова', variables: { city: 'Kazan', company: 'Acme' } });

    const dry = await api('POST', '/v1/dedupe', { likely: true, dry_run: true });
    expect(dry.body).toMatchObject({ dry_run: true, contacts_merged: 0, suggestions_created: 0, likely: { threshold: 0.8, pairs_found: 2 } });
    expect((await api('GET', '/v1/merge-suggestions?status=pending')).body.items).toEqual([]);

    const run = await api('POST', '/v1/dedupe', { likely: true });
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ dry_run: false, contacts_merged: 0, suggestions_created: 2, likely: { pairs_found: 2, suggestions_created: 2 } });
    const pending = (await api('GET', '/v1/merge-suggestions?status=pending')).body.items;
    expect(pending.map((s: { kind: string; from_contact_id: string; to_contact_id: string }) => [s.kind, s.from_contact_id, s.to_contact_id]).sort()).toEqual(
      [
        ['likely', cyrillic.id, latin.id],
        ['likely', kazan2.id, kazan.id],
      ].sort(),
    );
    const alekseiSuggestion = pending.find((s: { to_contact_id: string }) => s.to_contact_id === latin.id);
    expect(alekseiSuggestion.evidence.score).toBeGreaterThanOrEqual(0.8);
    expect(alekseiSuggestion.evidence.items).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'name', comparison: 'transliterated' })]));

    const events = (await api('GET', '/v1/events?limit=200')).body.items.filter((e: { type: string }) => e.type === 'merge.suggested');
    expect(events).toHaveLength(2);
    expect(events[0].data).toMatchObject({ kind: 'likely', score: expect.any(Number), evidence: { score: expect.any(Number), items: expect.any(Array) } });

    expect((await api('POST', '/v1/dedupe', { likely: true })).body).toMatchObject({ suggestions_created: 0, likely: { pairs_found: 2, suggestions_created: 0 } });

    expect((await api('POST', `/v1/merge-suggestions/${alekseiSuggestion.id}/reject`, { actor: 'operator Kim' })).status).toBe(200);
    expect((await api('POST', '/v1/dedupe', { likely: true })).body.suggestions_created).toBe(0);
    expect((await api('GET', `/v1/contacts/${latin.id}/duplicates`)).body.items).toEqual([]);
    expect((await api('GET', '/v1/merge-suggestions?status=pending')).body.items).toHaveLength(1);
  });

  it('approving a likely suggestion merges through the normal merge, which can be undone', async () => {
    const { api } = await server.project();
    const { latin, cyrillic } = await aleksei(api);
    await api('POST', '/v1/dedupe', { likely: true });
    const [suggestion] = (await api('GET', '/v1/merge-suggestions?status=pending')).body.items;
    const approved = await api('POST', `/v1/merge-suggestions/${suggestion.id}/approve`, { actor: 'operator Kim' });
    expect(approved.status).toBe(200);
    expect(approved.body.merge.contact).toMatchObject({ id: latin.id });
    expect((await api('GET', `/v1/contacts/${cyrillic.id}`)).body).toMatchObject({ state: 'merged', merged_into: latin.id });

    const undone = await api('POST', `/v1/merges/${approved.body.merge.merge_id}/undo`);
    expect(undone.status).toBe(200);
    expect((await api('GET', `/v1/contacts/${cyrillic.id}`)).body.state).toBe('active');
  });
});
