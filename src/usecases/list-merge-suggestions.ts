import type { Db } from '../store/database.js';
import { selectSuggestions, type SuggestionRow } from '../store/suggestions.js';
import { readPage, type Page } from './views/page.js';

/** Suggestions newest first, by status (`pending`, `approved`, `rejected`) and contact when asked. */
export async function listMergeSuggestions(
  db: Db,
  projectId: string,
  query: { status?: string; contact_id?: string; cursor?: string; limit?: number },
): Promise<Page<SuggestionRow>> {
  return readPage(query, (page) => selectSuggestions(db, projectId, { status: query.status, contactId: query.contact_id }, page));
}
