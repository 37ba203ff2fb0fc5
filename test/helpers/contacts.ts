import type { Api } from './server.js';

// Building contacts the way clients do, through the API.

export interface Person {
  contact_id: string;
  identity_id: string;
  conversation_id: string;
  message_ids: string[];
}

/** A client who wrote `count` messages from one messenger account; answers the contact it resolved to. */
export async function personWriting(api: Api, botId: string, externalUserId: string, count = 1, extra: Record<string, unknown> = {}): Promise<Person> {
  const ids: string[] = [];
  let last: any;
  for (let i = 0; i < count; i++) {
    last = await expectOk(api('POST', '/v1/inbound', { bot_id: botId, external_user_id: externalUserId, text: `${externalUserId} #${i}`, ...extra }));
    ids.push(last.message_id);
  }
  return { contact_id: last.contact_id, identity_id: last.identity_id, conversation_id: last.conversation_id, message_ids: ids };
}

export async function expectOk<T = any>(answer: Promise<{ status: number; body: T }>): Promise<T> {
  const { status, body } = await answer;
  if (status >= 300) throw new Error(`expected success, got ${status}: ${JSON.stringify(body)}`);
  return body;
}

export async function merge(api: Api, from: string, to: string, dryRun?: boolean) {
  return expectOk(api('POST', '/v1/contacts/merge', { from_contact_id: from, to_contact_id: to, ...(dryRun === undefined ? {} : { dry_run: dryRun }) }));
}

/** Every page of a list. */
export async function all(api: Api, path: string): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page: any = await expectOk(api('GET', `${path}${sep}limit=200${cursor ? `&cursor=${cursor}` : ''}`));
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

/** Everything the API shows about a contact: its card, conversations with messages and events, notes, events, references. */
export async function snapshot(api: Api, contactId: string) {
  const card = await expectOk(api('GET', `/v1/contacts/${contactId}`));
  const conversations = [];
  for (const c of await all(api, `/v1/contacts/${contactId}/conversations`)) {
    conversations.push({
      ...c,
      messages: await all(api, `/v1/conversations/${c.id}/messages`),
      events: await all(api, `/v1/conversations/${c.id}/events`),
    });
  }
  conversations.sort((a, b) => (a.id < b.id ? -1 : 1));
  return {
    card,
    conversations,
    notes: await all(api, `/v1/contacts/${contactId}/notes`),
    events: await all(api, `/v1/contacts/${contactId}/events`),
    references: await all(api, `/v1/contacts/${contactId}/references`),
  };
}
