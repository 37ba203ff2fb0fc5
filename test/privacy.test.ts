import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishEvents } from '../src/store/outbox.js';
import { expectOk, merge } from './helpers/contacts.js';
import { connectBot, startServer, type Api, type TestServer } from './helpers/server.js';

// GET /v1/contacts/{id}/export and DELETE /v1/contacts/{id}?erase=true (docs/privacy.md). The erasure is
// checked against the whole catalog: every text, json and array column of every table is searched for
// the person's data, so tables added later are covered without changing this test.

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

let people = 0;

/** What identifies the person, anywhere it might be stored; unique to each person of a run. */
function personalData() {
  const tag = `${String(Date.now()).slice(-4)}${String(people++).padStart(2, '0')}`;
  return {
    name: `Zelda Quixotic ${tag}`,
    username: `zeldaq_${tag}`,
    phone: `+442079${tag}`,
    email: `zelda.${tag}@example.org`,
    external_id: `crm-zq-${tag}`,
    telegram_user: `tg-zq-${tag}`,
    whatsapp_user: `wa-zq-${tag}`,
    variable: `gold-zq-${tag}`,
    texts: [`zq first secret ${tag}`, `zq second secret ${tag}`, `zq whatsapp secret ${tag}`],
    note: `zq prefers evenings ${tag}`,
    reference: `zq-session-${tag}`,
    event_data: `zq-order-${tag}`,
  };
}

type Person = ReturnType<typeof personalData>;

/** A person with two messengers merged into one contact, and something of every kind stored about them. */
async function storedPerson(api: Api, person: Person) {
  const telegram = await connectBot(api, 'telegram', 'shop_bot');
  const whatsapp = await connectBot(api, 'whatsapp', '+15550001111');
  const first = await expectOk(
    api('POST', '/v1/inbound', { bot_id: telegram.id, external_user_id: person.telegram_user, text: person.texts[0], profile: { name: person.name, username: person.username } }),
  );
  await expectOk(api('POST', '/v1/inbound', { bot_id: telegram.id, external_user_id: person.telegram_user, text: person.texts[1] }));
  const second = await expectOk(api('POST', '/v1/inbound', { bot_id: whatsapp.id, external_user_id: person.whatsapp_user, text: person.texts[2] }));
  const contact = first.contact_id as string;
  await expectOk(
    api('PATCH', `/v1/contacts/${contact}`, { phone: person.phone, email: person.email, external_id: person.external_id, variables: { tier: person.variable }, tags: ['vip'] }),
  );
  await expectOk(api('PATCH', `/v1/contacts/${second.contact_id}`, { name: person.name, variables: { tier: person.variable } }));
  await merge(api, second.contact_id, contact);
  await expectOk(api('POST', `/v1/contacts/${contact}/notes`, { text: person.note }));
  await expectOk(api('POST', `/v1/contacts/${contact}/events`, { type: 'order.placed', data: { order: person.event_data } }));
  await expectOk(api('POST', `/v1/contacts/${contact}/references`, { kind: 'agent_session', ref: person.reference }));
  await expectOk(api('POST', `/v1/conversations/${first.conversation_id}/events`, { type: 'assigned', data: { about: person.name } }));
  await expectOk(api('POST', `/v1/contacts/${contact}/merge-link`, { channel: 'telegram' }));
  return { contact, merged: second.contact_id as string, telegram };
}

/** Columns that can hold text: every text, json and array column of every table in the database. */
async function textColumns(): Promise<Array<{ table: string; column: string }>> {
  const { rows } = await sql<{ table: string; column: string }>`
    SELECT c.table_name AS table, c.column_name AS column FROM information_schema.columns c
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
    WHERE c.table_schema = current_schema() AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY')
    ORDER BY 1, 2`.execute(server.store.db);
  return rows;
}

/** Where each value still appears in the database: `table.column: value`. */
async function findAnywhere(values: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const { table, column } of await textColumns()) {
    const { rows } = await sql<{ value: string }>`
      SELECT v.value FROM jsonb_array_elements_text(${JSON.stringify(values)}::jsonb) AS v(value)
      WHERE EXISTS (SELECT 1 FROM ${sql.table(table)} t WHERE t.${sql.ref(column)}::text ILIKE '%' || v.value || '%')`.execute(server.store.db);
    for (const row of rows) found.push(`${table}.${column}: ${row.value}`);
  }
  return found;
}

const needles = (person: Person) => [
  person.name,
  person.username,
  person.phone,
  person.email,
  person.external_id,
  person.telegram_user,
  person.whatsapp_user,
  person.variable,
  ...person.texts,
  person.note,
  person.reference,
  person.event_data,
];

describe('exporting a person', () => {
  it('answers everything stored about the person and the contacts merged into it as one JSON document', async () => {
    const { api } = await server.project();
    const person = personalData();
    const { contact, merged } = await storedPerson(api, person);
    const answer = await api('GET', `/v1/contacts/${contact}/export`);
    expect(answer.status).toBe(200);
    const doc = answer.body;
    expect(doc.contact).toMatchObject({ id: contact, name: person.name, email: person.email, phone: person.phone });
    expect(doc.contacts.map((c: { id: string }) => c.id).sort()).toEqual([contact, merged].sort());
    expect(doc.identities.map((i: { external_user_id: string }) => i.external_user_id).sort()).toEqual([person.telegram_user, person.whatsapp_user].sort());
    expect(doc.messages.map((m: { text: string }) => m.text).sort()).toEqual([...person.texts].sort());
    expect(doc.conversations).toHaveLength(2);
    expect(doc.notes.map((n: { text: string }) => n.text)).toEqual([person.note]);
    expect(doc.tags.map((t: { tag: string }) => t.tag)).toEqual(['vip']);
    expect(doc.merges).toHaveLength(1);
    expect(doc.merge_journal.length).toBeGreaterThan(0);
    expect(doc.history.length).toBeGreaterThan(0);
    expect(doc.merge_links).toHaveLength(1);
    expect(doc.merge_links[0]).not.toHaveProperty('token_hash');
    const text = JSON.stringify(doc);
    for (const value of needles(person)) expect(text).toContain(value);
  });

  it('answers 404 for a contact of another project', async () => {
    const { api } = await server.project();
    const other = await server.project();
    const { contact } = await storedPerson(other.api, personalData());
    const answer = await api('GET', `/v1/contacts/${contact}/export`);
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('contact_not_found');
  });
});

describe('erasing a person', () => {
  it('deletes every row with the person\'s data in every table, keeps others, leaves an audit entry and emits contact.erased', async () => {
    const { api, projectId } = await server.project();
    const person = personalData();
    const { contact, merged, telegram } = await storedPerson(api, person);
    // a bystander on the same bot, who must keep everything
    const bystander = await expectOk(api('POST', '/v1/inbound', { bot_id: telegram.id, external_user_id: 'tg-bystander', text: 'bystander stays', profile: { name: 'Bob Bystander' } }));
    // webhook events about the person, fanned out to an endpoint (deliveries pending)
    await expectOk(api('POST', '/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/hook' }));
    await publishEvents(server.store, { skipIfBusy: false });
    expect(await findAnywhere(needles(person))).not.toEqual([]);

    const answer = await api('DELETE', `/v1/contacts/${contact}?erase=true`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ contact_id: contact });
    expect(answer.body.erased_contact_ids.sort()).toEqual([contact, merged].sort());
    expect(answer.body.erased).toMatchObject({ contacts: 2, identities: 2, messages: 3, merges: 1 });

    expect(await findAnywhere(needles(person))).toEqual([]);
    for (const id of [contact, merged]) expect((await api('GET', `/v1/contacts/${id}`)).status).toBe(404);
    expect((await api('GET', `/v1/contacts/${contact}/export`)).status).toBe(404);

    const kept = await api('GET', `/v1/contacts/${bystander.contact_id}`);
    expect(kept.status).toBe(200);
    expect(kept.body.name).toBe('Bob Bystander');
    expect((await api('GET', `/v1/conversations/${bystander.conversation_id}/messages`)).body.items.map((m: { text: string }) => m.text)).toEqual(['bystander stays']);

    const audit = await server.store.db.selectFrom('contact_erasures').selectAll().where('project_id', '=', projectId).execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ contact_id: contact, actor: 'api' });
    await publishEvents(server.store, { skipIfBusy: false });
    const events = (await api('GET', '/v1/events?after=0&limit=200')).body.items;
    const erased = events.filter((e: { type: string }) => e.type === 'contact.erased');
    expect(erased).toHaveLength(1);
    expect(erased[0]).toMatchObject({ contact_id: contact, data: { contact_id: contact, erasure_id: answer.body.erasure_id } });
    // nothing else about the person is left to deliver or poll
    expect(events.filter((e: { contact_id: string }) => e.contact_id === contact || e.contact_id === merged).map((e: { type: string }) => e.type)).toEqual(['contact.erased']);
  });

  it('refuses without erase=true and changes nothing', async () => {
    const { api } = await server.project();
    const person = personalData();
    const { contact } = await storedPerson(api, person);
    for (const query of ['', '?erase=false']) {
      const answer = await api('DELETE', `/v1/contacts/${contact}${query}`);
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('erase_required');
      expect(answer.body.error.message).toContain('erase=true');
    }
    expect((await api('GET', `/v1/contacts/${contact}`)).body.name).toBe(person.name);
  });

  it('refuses to erase a merged contact and names its survivor', async () => {
    const { api } = await server.project();
    const { contact, merged } = await storedPerson(api, personalData());
    const answer = await api('DELETE', `/v1/contacts/${merged}?erase=true`);
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('contact_already_merged');
    expect(answer.body.error.message).toContain(contact);
    expect((await api('GET', `/v1/contacts/${merged}`)).status).toBe(200);
  });

  it('answers 404 for an unknown contact', async () => {
    const { api } = await server.project();
    const answer = await api('DELETE', '/v1/contacts/0190f0f0-0000-7000-8000-000000000000?erase=true');
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('contact_not_found');
  });
});
