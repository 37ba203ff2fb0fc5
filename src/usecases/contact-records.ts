import { assertActiveContact, contactNotFound } from '../domain/contact-errors.js';
import { DomainError } from '../domain/errors.js';
import { contactExists, lockContact, selectContactCard } from '../store/contacts.js';
import {
  conversationOfContact,
  insertRecord,
  messageOfContact,
  replacePreferences,
  selectRecords,
  type RecordKind,
  type RecordRows,
} from '../store/contact-records.js';
import { selectConversation } from '../store/conversations.js';
import type { Db, Store, Tx } from '../store/database.js';
import { contactCardView, type ContactCardView } from './views/contact-card.js';
import { readPage, type Page } from './views/page.js';

// Notes, contact events, references, conversation events and preferences: written to an active contact
// under its lock, so a merge running at the same time cannot leave them behind on the merged one.

const MAX_ATTEMPTS = 5;

async function lockActiveContact(tx: Tx, projectId: string, contactId: string): Promise<void> {
  assertActiveContact(contactId, await lockContact(tx, projectId, contactId), `write to the one GET /v1/contacts/${contactId} names in merged_into`);
}

export type ContactRecordKind = Exclude<RecordKind, 'conversation_events'>;

export async function addContactRecord<K extends ContactRecordKind>(store: Store, projectId: string, kind: K, contactId: string, values: Record<string, unknown>): Promise<RecordRows[K]> {
  return store.transaction(async (tx) => {
    await lockActiveContact(tx, projectId, contactId);
    const messageId = values.message_id as string | undefined;
    if (kind === 'references' && (values.kind === 'scheduled_message') !== (messageId !== undefined)) {
      throw new DomainError('invalid_request', 'a reference of kind scheduled_message needs the message_id of the message it sends; other kinds take none');
    }
    const row = await insertRecord(tx, projectId, kind, contactId, values, messageOfContact(projectId, contactId, messageId));
    if (!row) throw new DomainError('message_not_found', `no message ${messageId} in the conversations of contact ${contactId}`);
    return row;
  });
}

/** An event in a conversation; when a merge moves the conversation meanwhile, it is written where it went. */
export async function addConversationEvent(store: Store, projectId: string, conversationId: string, values: Record<string, unknown>): Promise<RecordRows['conversation_events']> {
  return store.transaction(async (tx) => {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const conversation = await selectConversation(tx, projectId, conversationId);
      if (!conversation) break;
      await lockActiveContact(tx, projectId, conversation.contact_id);
      const row = await insertRecord(tx, projectId, 'conversation_events', conversationId, values, conversationOfContact(projectId, conversation.contact_id, conversationId));
      if (row) return row;
    }
    throw new DomainError('conversation_not_found', `no conversation ${conversationId} in this project`);
  });
}

export async function listRecords<K extends RecordKind>(db: Db, projectId: string, kind: K, parentId: string, query: { cursor?: string; limit?: number }): Promise<Page<RecordRows[K]>> {
  const exists = kind === 'conversation_events' ? (await selectConversation(db, projectId, parentId)) !== undefined : await contactExists(db, projectId, parentId);
  if (!exists) {
    throw kind === 'conversation_events'
      ? new DomainError('conversation_not_found', `no conversation ${parentId} in this project`)
      : contactNotFound(parentId);
  }
  return readPage(query, (page) => selectRecords(db, projectId, kind, parentId, page));
}

/** Replaces the contact's communication preferences whole. */
export async function setPreferences(store: Store, projectId: string, contactId: string, preferences: Record<string, unknown>): Promise<ContactCardView> {
  return store.transaction(async (tx) => {
    await lockActiveContact(tx, projectId, contactId);
    await replacePreferences(tx, projectId, contactId, preferences);
    return contactCardView((await selectContactCard(tx, projectId, contactId))!);
  });
}
