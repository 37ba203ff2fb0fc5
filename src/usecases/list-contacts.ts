import { normalizeEmail, normalizePhone } from '../domain/normalize.js';
import type { Db } from '../store/database.js';
import { selectContacts, type ContactRow } from '../store/contacts.js';
import { selectSettings } from '../store/projects.js';
import { decodeCursor, toPage, type Page } from './views/page.js';

export interface ContactQuery {
  phone?: string;
  email?: string;
  external_id?: string;
  q?: string;
  cursor?: string;
  limit?: number;
}

/**
 * Active contacts, newest first. A phone in any writing finds the contact: it is normalized with the
 * project's region as it was when stored; one that cannot be a phone finds nothing.
 */
export async function listContacts(db: Db, projectId: string, query: ContactQuery): Promise<Page<ContactRow>> {
  const limit = query.limit ?? 50;
  const after = decodeCursor(query.cursor);
  const filter: { phone?: string; email?: string; external_id?: string; q?: string } = {};
  if (query.phone !== undefined) {
    const settings = await selectSettings(db, projectId);
    const phone = normalizePhone(query.phone, settings.default_region);
    if (phone === null) return { items: [], next_cursor: null };
    filter.phone = phone;
  }
  if (query.email !== undefined) filter.email = normalizeEmail(query.email) ?? query.email.trim().toLowerCase();
  if (query.external_id !== undefined) filter.external_id = query.external_id.trim();
  if (query.q !== undefined && query.q.trim() !== '') filter.q = query.q.trim();
  return toPage(await selectContacts(db, projectId, filter, { after, limit: limit + 1 }), limit);
}
