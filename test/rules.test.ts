import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { variableKey, variableValue } from '../src/store/variable-indexes.js';
import { connectBot, startServer, type Api, type TestServer } from './helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

async function rule(api: Api, ...fields: string[]): Promise<string> {
  const answer = await api('POST', '/v1/merge-rules', { fields });
  expect(answer.status).toBe(201);
  return answer.body.id;
}

const contact = async (api: Api, body: Record<string, unknown>) => (await api('POST', '/v1/contacts', body)).body;
const state = async (api: Api, id: string) => (await api('GET', `/v1/contacts/${id}`)).body;

describe('merge rules: definition (docs/rules.md)', () => {
  it('lists, creates and deletes rules', async () => {
    const { api } = await server.project();
    const id = await rule(api, 'phone', 'variables.account');
    expect((await api('GET', '/v1/merge-rules')).body.items).toEqual([expect.objectContaining({ id, fields: ['phone', 'variables.account'] })]);
    expect((await api('DELETE', `/v1/merge-rules/${id}`)).status).toBe(204);
    expect((await api('GET', '/v1/merge-rules')).body.items).toEqual([]);
    expect((await api('DELETE', `/v1/merge-rules/${id}`)).body.error.code).toBe('rule_not_found');
  });

  it('looks contacts up by a variable through an index made with its first rule and dropped with its last', async () => {
    const a = await server.project();
    const b = await server.project();
    const variable = `plan_${Math.random().toString(36).slice(2, 10)}`;
    const indexes = async () => {
      const { rows } = await sql<{ indexdef: string }>`SELECT indexdef FROM pg_indexes WHERE tablename = 'contacts'`.execute(server.store.db);
      return rows.filter((r) => r.indexdef.includes(`'${variable}'`));
    };
    const first = await rule(a.api, `variables.${variable}`);
    const second = await rule(b.api, 'email', `variables.${variable}`);
    const indexNames = (await indexes()).map((i) => i.indexdef.match(/INDEX (\S+)/)![1]);
    expect(indexNames).toHaveLength(1);

    // the lookup a rule run makes can go through it (the planner may prefer a scan of a table this small)
    const plan = await server.store.transaction(async (tx) => {
      await sql`SET LOCAL enable_seqscan = off`.execute(tx);
      // the lookup as the store writes it: the variable's key and value expressions of its index
      const { rows } = await sql<{ 'QUERY PLAN': string }>`
        EXPLAIN SELECT id FROM contacts WHERE project_id = ${a.projectId} AND state = 'active' AND variables ? ${sql.lit(variable)}
          AND ${variableKey('contacts', variable)} = md5('gold') AND ${variableValue('contacts', variable)} = 'gold'
      `.execute(tx);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain(indexNames[0]);

    expect((await a.api('DELETE', `/v1/merge-rules/${first}`)).status).toBe(204);
    expect(await indexes()).toHaveLength(1); // project b's rule still reads the variable
    expect((await b.api('DELETE', `/v1/merge-rules/${second}`)).status).toBe(204);
    expect(await indexes()).toHaveLength(0);
  });

  it.skipIf(!process.env.DATABASE_URL)('refuses a rule on a new variable with contacts_busy rather than stall every project behind a long transaction', async () => {
    const { api } = await server.project();
    const variable = `tier_${Math.random().toString(36).slice(2, 10)}`;
    const holder = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE contacts IN ROW EXCLUSIVE MODE'); // what any transaction that wrote a contact holds, kept open
      const started = Date.now();
      const answer = await api('POST', '/v1/merge-rules', { fields: [`variables.${variable}`] });
      expect(answer.status).toBe(503);
      expect(answer.body.error).toMatchObject({ code: 'contacts_busy', message: expect.stringContaining('try again') });
      expect(Date.now() - started).toBeLessThan(15_000);
      expect((await api('GET', '/v1/merge-rules')).body.items).toEqual([]);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    expect((await api('POST', '/v1/merge-rules', { fields: [`variables.${variable}`] })).status).toBe(201);
  }, 30_000);

  it('keeps accepting contacts in every project with a variable far longer than an index entry, and matches on it', async () => {
    const { api } = await server.project();
    const other = await server.project();
    const variable = `note_${Math.random().toString(36).slice(2, 10)}`;
    await rule(api, `variables.${variable}`);
    const long = 'x'.repeat(10_000);
    const first = await api('POST', '/v1/contacts', { variables: { [variable]: long } });
    expect(first.status).toBe(201);
    const second = await api('POST', '/v1/contacts', { variables: { [variable]: ` ${long} ` } });
    expect(second.body.id).toBe(first.body.id);
    // a project without the rule writes such a contact too (the index is shared by every project)
    expect((await other.api('POST', '/v1/contacts', { variables: { [variable]: long } })).status).toBe(201);
  });

  it.each([
    [[], 'at least one field'],
    [['nickname'], '"nickname" is not a rule field'],
    [['variables.'], 'is not a rule field'],
    [['phone', 'phone'], 'appears twice'],
  ])('refuses the fields %j with a message that says what to fix', async (fields, message) => {
    const { api } = await server.project();
    const answer = await api('POST', '/v1/merge-rules', { fields });
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({ code: 'invalid_rule', message: expect.stringContaining(message) });
    expect((await api('GET', '/v1/merge-rules')).body.items).toEqual([]);
  });

  it('refuses a second rule with the same fields', async () => {
    const { api } = await server.project();
    await rule(api, 'email', 'phone');
    expect((await api('POST', '/v1/merge-rules', { fields: ['phone', 'email'] })).status).toBe(422);
  });
});

describe('merge rules: matching on create and patch', () => {
  it('merges a new contact with the same phone, written differently, into the older one', async () => {
    const { api } = await server.project();
    await api('PUT', '/v1/settings', { default_region: 'RU' });
    const ruleId = await rule(api, 'phone');
    const older = await contact(api, { name: 'Ivan', phone: '+7 (900) 123-45-67' });
    const newer = await api('POST', '/v1/contacts', { name: 'Ivan WA', phone: '8 900 123 45 67', email: 'ivan@example.com' });
    expect(newer.status).toBe(201);
    expect(newer.body).toMatchObject({ id: older.id, email: 'ivan@example.com', rules: { contact_id: older.id } });
    expect(newer.body.rules.merged).toEqual([expect.objectContaining({ to_contact_id: older.id, rule_id: ruleId, values: ['+79001234567'] })]);
    const history = (await api('GET', `/v1/contacts/${older.id}/history`)).body.items;
    expect(history).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'rule_match', data: expect.objectContaining({ rule_id: ruleId, fields: ['phone'], values: ['+79001234567'] }) }),
        expect.objectContaining({ kind: 'merge', data: expect.objectContaining({ reason: `rule:${ruleId}` }) }),
      ]),
    );
  });

  it('matches e-mails whatever their case and spaces', async () => {
    const { api } = await server.project();
    await rule(api, 'email');
    const older = await contact(api, { email: 'Ann@Example.com' });
    expect((await contact(api, { email: '  ANN@example.COM ' })).id).toBe(older.id);
  });

  it('needs every field of a rule (AND) and any one rule (OR)', async () => {
    const { api } = await server.project();
    await rule(api, 'phone', 'email');
    const a = await contact(api, { phone: '+14155552671', email: 'a@example.com' });
    const samePhoneOnly = await contact(api, { phone: '+14155552671', email: 'b@example.com' });
    expect(samePhoneOnly.id).not.toBe(a.id);
    expect(samePhoneOnly.rules).toBeUndefined();
    const both = await contact(api, { phone: '+14155552671', email: 'a@example.com' });
    expect(both.id).toBe(a.id);

    await rule(api, 'variables.account');
    const byAccount = await contact(api, { variables: { account: ' 42 ' } });
    const sameAccount = await contact(api, { variables: { account: '42' } });
    expect(sameAccount.id).toBe(byAccount.id);
  });

  it('runs when a patch changes a field, and matches against alternates a merge kept', async () => {
    const { api } = await server.project();
    await rule(api, 'phone');
    const a = await contact(api, { name: 'A', phone: '+14155552671' });
    const b = await contact(api, { name: 'B', phone: '+14155552672' });
    // an explicit merge keeps A's phone as an alternate of B
    await api('POST', '/v1/contacts/merge', { from_contact_id: b.id, to_contact_id: a.id });
    expect((await state(api, a.id)).alternates.phones).toEqual(['+14155552671']);
    const c = await contact(api, { name: 'C', phone: '+14155550000' });
    const patched = await api('PATCH', `/v1/contacts/${c.id}`, { phone: '+14155552671' });
    expect(patched.body).toMatchObject({ id: a.id, rules: { contact_id: a.id } });
    expect(await state(api, c.id)).toMatchObject({ state: 'merged', merged_into: a.id });
  });

  it('ends a chain A~B by phone, B~C by e-mail as one contact', async () => {
    const { api } = await server.project();
    await rule(api, 'phone');
    await rule(api, 'email');
    const a = await contact(api, { name: 'A', phone: '+14155552671' });
    const c = await contact(api, { name: 'C', email: 'c@example.com' });
    const b = await contact(api, { name: 'B', phone: '+14155552671', email: 'c@example.com' });
    expect(b.id).toBe(a.id);
    expect(await state(api, c.id)).toMatchObject({ state: 'merged', merged_into: a.id });
    expect((await api('GET', '/v1/contacts')).body.items.map((x: { id: string }) => x.id)).toEqual([a.id]);
  });

  it('never matches a blocked value, however it is written', async () => {
    const { api } = await server.project();
    await api('PUT', '/v1/settings', { blocked_values: ['TEST@test.com'] });
    await rule(api, 'email');
    const a = await contact(api, { email: 'test@test.com' });
    const b = await contact(api, { email: 'Test@Test.com' });
    expect(b.id).not.toBe(a.id);
    expect(b.rules).toBeUndefined();
  });

  it('does not merge on a value shared by more than max_shared contacts, and reports it', async () => {
    const { api } = await server.project();
    await api('PUT', '/v1/settings', { max_shared: 2 });
    await rule(api, 'variables.company');
    const first = await contact(api, { variables: { company: 'ACME' }, email: 'a@example.com' });
    // with no rule matching yet, three contacts hold the value: create them under another value, then change it
    const others = [await contact(api, { variables: { company: 'x1' } }), await contact(api, { variables: { company: 'x2' } })];
    await server.store.db.updateTable('contacts').set({ variables: '{"company":"ACME"}' }).where('id', 'in', others.map((o) => o.id)).execute();
    await api('POST', '/v1/dedupe', { dry_run: true }); // rebuilds the keys from the changed rows
    const fourth = await contact(api, { variables: { company: 'ACME' } });
    expect(fourth.id).not.toBe(first.id);
    expect(fourth.rules.merged).toEqual([]);
    expect(fourth.rules.shared_values).toEqual([expect.objectContaining({ values: ['ACME'], contacts: 3 })]);
    const report = await api('GET', '/v1/merge-rules/report');
    expect(report.body).toMatchObject({ max_shared: 2, shared_values: [expect.objectContaining({ values: ['ACME'], contacts: 4 })] });
  });
});

describe('merge rules: concurrency', () => {
  it('ends contacts with the same phone created at the same moment as one', async () => {
    const { api } = await server.project();
    await rule(api, 'phone');
    const created = await Promise.all(Array.from({ length: 8 }, (_, i) => api('POST', '/v1/contacts', { name: `twin ${i}`, phone: '+1 415 555 2671' })));
    expect(created.map((c) => c.status)).toEqual(Array(8).fill(201));
    const active = (await api('GET', '/v1/contacts?phone=%2B14155552671')).body.items;
    expect(active).toHaveLength(1);
    expect(created.every((c) => c.body.state === 'active')).toBe(true);
  });
});

describe('merge rules: manual mode', () => {
  it('suggests each pair once and never again after a rejection', async () => {
    const { api } = await server.project();
    await api('PUT', '/v1/settings', { merge_mode: 'manual' });
    const ruleId = await rule(api, 'email');
    const a = await contact(api, { name: 'A', email: 'a@example.com' });
    const b = await contact(api, { name: 'B', email: 'a@example.com' });
    expect(b.id).not.toBe(a.id);
    expect(b.rules.suggested).toEqual([expect.objectContaining({ from_contact_id: b.id, to_contact_id: a.id, rule_id: ruleId, created: true })]);
    const pending = (await api('GET', '/v1/merge-suggestions?status=pending')).body.items;
    expect(pending).toEqual([expect.objectContaining({ reason: `rule:${ruleId}`, evidence: { rule_id: ruleId, fields: ['email'], values: ['a@example.com'] } })]);

    await api('PATCH', `/v1/contacts/${b.id}`, { email: 'A@example.com' });
    expect((await api('GET', '/v1/merge-suggestions')).body.items).toHaveLength(1);
    await api('POST', `/v1/merge-suggestions/${pending[0].id}/reject`, null);
    const again = await api('PATCH', `/v1/contacts/${b.id}`, { email: 'a@example.com', name: 'B again' });
    expect(again.body.rules.suggested).toEqual([expect.objectContaining({ created: false })]);
    expect((await api('GET', '/v1/merge-suggestions?status=pending')).body.items).toEqual([]);
    expect((await state(api, a.id)).state).toBe('active');
    expect((await state(api, b.id)).state).toBe('active');
  });
});

describe('merge rules: inbound profiles', () => {
  it('merges the contact of a new identity whose profile phone matches an existing contact', async () => {
    const { api } = await server.project();
    await rule(api, 'phone');
    const bot = await connectBot(api, 'whatsapp', '15550001111');
    const crm = await contact(api, { name: 'From the CRM', phone: '+14155552671' });
    const inbound = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: '14155552671', text: 'hi', profile: { phone: '+1 415 555 2671' } });
    expect(inbound.status).toBe(200);
    expect(inbound.body).toMatchObject({ contact_id: crm.id, created: true, rules: { merged: [expect.objectContaining({ to_contact_id: crm.id })] } });
    expect((await state(api, crm.id)).identities).toEqual([expect.objectContaining({ external_user_id: '14155552671' })]);
  });

  it('announces the contact the message made before the rule merges it away', async () => {
    const { api, projectId } = await server.project();
    await rule(api, 'phone');
    const bot = await connectBot(api, 'whatsapp', '15550001111');
    const crm = await contact(api, { phone: '+14155552671' });
    const inbound = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: '14155552671', profile: { phone: '+14155552671' } });
    const merged = inbound.body.rules.merged[0];
    const events = await server.store.db.selectFrom('outbox').select(['type', 'contact_id']).where('project_id', '=', projectId).where('contact_id', '!=', crm.id).orderBy('id').execute();
    expect(events).toEqual([{ type: 'contact.created', contact_id: merged.from_contact_id }]);
    const all = await server.store.db.selectFrom('outbox').select(['type']).where('project_id', '=', projectId).orderBy('id').execute();
    expect(all.map((e) => e.type).slice(-2)).toEqual(['contact.created', 'contact.merged']);
  });
});

describe('bulk dedupe (POST /v1/dedupe)', () => {
  it('reports clusters on a dry run and changes nothing, then merges them', async () => {
    const { api } = await server.project();
    const a = await contact(api, { name: 'A', phone: '+14155552671' });
    const b = await contact(api, { name: 'B', phone: '+14155552671', email: 'b@example.com' });
    const c = await contact(api, { name: 'C', email: 'B@example.com' });
    const d = await contact(api, { name: 'D', email: 'd@example.com' });
    await rule(api, 'phone');
    await rule(api, 'email');

    const dry = await api('POST', '/v1/dedupe', { dry_run: true });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dry_run: true, clusters_found: 1, contacts_merged: 2, clusters: [{ survivor: a.id, members: expect.any(Array) }] });
    expect(dry.body.clusters[0].members.map((m: { contact_id: string }) => m.contact_id)).toEqual([b.id, c.id]);
    for (const x of [a, b, c, d]) expect((await state(api, x.id)).state).toBe('active');

    const real = await api('POST', '/v1/dedupe', {});
    expect(real.body).toMatchObject({ dry_run: false, clusters_found: 1, contacts_merged: 2 });
    expect(await state(api, b.id)).toMatchObject({ state: 'merged', merged_into: a.id });
    expect(await state(api, c.id)).toMatchObject({ state: 'merged', merged_into: a.id });
    expect((await state(api, d.id)).state).toBe('active');
    expect((await api('POST', '/v1/dedupe', null)).body).toMatchObject({ clusters_found: 0, contacts_merged: 0 });
  });

  it.skipIf(!process.env.DATABASE_URL)('moves a note written to a member while the dedupe waited for its lock', async () => {
    const { api, projectId } = await server.project();
    const a = await contact(api, { name: 'A', phone: '+14155552681' });
    const b = await contact(api, { name: 'B', phone: '+14155552681' });
    await rule(api, 'phone');
    const writer = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await writer.connect();
    try {
      // a request that holds B while it writes a note, committing only after the dedupe has reached B
      await writer.query('BEGIN');
      await writer.query('SELECT 1 FROM contacts WHERE project_id = $1 AND id = $2 FOR NO KEY UPDATE', [projectId, b.id]);
      await writer.query(`INSERT INTO contact_notes (project_id, id, contact_id, text) VALUES ($1, gen_random_uuid(), $2, 'called back')`, [projectId, b.id]);
      const dedupe = api('POST', '/v1/dedupe', {});
      await new Promise((resolve) => setTimeout(resolve, 500));
      await writer.query('COMMIT');
      expect((await dedupe).body).toMatchObject({ contacts_merged: 1 });
    } finally {
      await writer.end();
    }
    const { rows } = await sql<{ contact_id: string }>`SELECT contact_id FROM contact_notes WHERE project_id = ${projectId}`.execute(server.store.db);
    expect(rows).toEqual([{ contact_id: a.id }]);
  });

  it('suggests the clusters instead of merging them in manual mode, once', async () => {
    const { api } = await server.project();
    await api('PUT', '/v1/settings', { merge_mode: 'manual' });
    const a = await contact(api, { email: 'm@example.com' });
    const b = await contact(api, { email: 'M@example.com' });
    await rule(api, 'email');
    expect((await api('POST', '/v1/dedupe', {})).body).toMatchObject({ clusters_found: 1, contacts_merged: 0, suggestions_created: 1 });
    expect((await api('GET', '/v1/merge-suggestions?status=pending')).body.items).toEqual([expect.objectContaining({ from_contact_id: b.id, to_contact_id: a.id })]);
    expect((await api('POST', '/v1/dedupe', {})).body).toMatchObject({ suggestions_created: 0 });
    expect((await state(api, b.id)).state).toBe('active');
  });

  it('moves the identities of a contact that has them, and a bulk merge can be undone', async () => {
    const { api } = await server.project();
    const bot = await connectBot(api, 'telegram', 'shop_bot');
    const older = await contact(api, { name: 'Older', email: 'p@example.com', tags: ['crm'] });
    const chat = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: '777', text: 'hi', profile: { email: 'P@example.com' } });
    const plain = await contact(api, { name: 'Plain', email: 'p@example.com', phone: '+14155552671', tags: ['import'] });
    await rule(api, 'email');

    const done = await api('POST', '/v1/dedupe', {});
    expect(done.body).toMatchObject({ clusters_found: 1, contacts_merged: 2 });
    const card = await state(api, older.id);
    expect(card).toMatchObject({ phone: '+14155552671', email: 'p@example.com', tags: ['crm', 'import'] });
    expect(card.identities).toEqual([expect.objectContaining({ external_user_id: '777' })]);
    expect(await state(api, chat.body.contact_id)).toMatchObject({ state: 'merged', merged_into: older.id });

    const history = (await api('GET', `/v1/contacts/${older.id}/history`)).body.items;
    const lastMerge = history.find((h: { kind: string; other_contact_id: string }) => h.kind === 'merge' && h.other_contact_id === plain.id);
    expect(lastMerge.data.reason).toMatch(/^rule:/);
    const undone = await api('POST', `/v1/merges/${lastMerge.data.merge_id}/undo`, null);
    expect(undone.status).toBe(200);
    expect(await state(api, plain.id)).toMatchObject({ state: 'active', phone: '+14155552671', email: 'p@example.com' });
    expect(await state(api, older.id)).toMatchObject({ phone: null, tags: ['crm'] });
  });

  it('undoes one merge of a bulk-merged cluster of plain contacts, giving back its values', async () => {
    const { api } = await server.project();
    const a = await contact(api, { name: 'A', email: 'q@example.com', variables: { plan: 'basic' } });
    const b = await contact(api, { name: 'B', email: 'Q@example.com', phone: '+14155552671', variables: { plan: 'pro', city: 'SF' } });
    const c = await contact(api, { name: 'C', email: 'q@example.com', phone: '+14155552672' });
    await rule(api, 'email');
    expect((await api('POST', '/v1/dedupe', {})).body).toMatchObject({ contacts_merged: 2 });
    // merged in order: B then C, so C's phone wins and B's is kept as an alternate
    expect(await state(api, a.id)).toMatchObject({ phone: '+14155552672', variables: { plan: 'basic', city: 'SF' }, alternates: { phones: ['+14155552671'] } });
    const history = (await api('GET', `/v1/contacts/${a.id}/history`)).body.items;
    const ofC = history.find((h: { kind: string; other_contact_id: string }) => h.kind === 'merge' && h.other_contact_id === c.id);
    expect((await api('POST', `/v1/merges/${ofC.data.merge_id}/undo`, null)).status).toBe(200);
    expect(await state(api, c.id)).toMatchObject({ state: 'active', phone: '+14155552672' });
    expect(await state(api, a.id)).toMatchObject({ phone: '+14155552671', state: 'active' });
    expect(await state(api, b.id)).toMatchObject({ state: 'merged', merged_into: a.id });
  });
});
