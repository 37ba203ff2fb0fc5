import type { Db } from '../store/database.js';
import { selectSuggestions, type SuggestionRow } from '../store/suggestions.js';
import { decodeCursor, toPage, type Page } from './views/page.js';

/** Suggestions newest first, by status (`pending`, `approved`, `rejected`) and contact when asked. */
export async function listMergeSuggestions(
  db: Db,
  projectId: string,
  query: { status?: string; contact_id?: string; cursor?: string; limit?: number },
): Promise<Page<SuggestionRow>> {
  const limit = query.limit ?? 50;
  const rows = await selectSuggestions(db, projectId, { status: query.status, contactId: query.contact_id }, { after: decodeCursor(query.cursor), limit: limit + 1 });
  return toPage(rows, limit);
}
