import { contactExists } from '../store/contacts.js';
import type { Db } from '../store/database.js';
import { selectHistory, type HistoryRow } from '../store/history.js';
import { readPage, type Page } from './views/page.js';
import { contactNotFound } from '../domain/contact-errors.js';

/** Merges (both directions), unmerges and undos of a contact and of the contacts merged into it, newest first. */
export async function listContactHistory(db: Db, projectId: string, contactId: string, query: { cursor?: string; limit?: number }): Promise<Page<HistoryRow>> {
  if (!(await contactExists(db, projectId, contactId))) throw contactNotFound(contactId);
  return readPage(query, (page) => selectHistory(db, projectId, contactId, page));
}
