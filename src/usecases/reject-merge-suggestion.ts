import { newId } from '../ids.js';
import type { Store } from '../store/database.js';
import { insertHistory } from '../store/history.js';
import { enqueueEvents } from '../store/outbox.js';
import { decideSuggestion, type SuggestionRow } from '../store/suggestions.js';
import { lockPendingSuggestion } from './approve-merge-suggestion.js';

/** docs/merging.md: rejection leaves both contacts as they are and records who decided; the pair is not suggested again. */
export async function rejectMergeSuggestion(store: Store, projectId: string, id: string, actor: string): Promise<SuggestionRow> {
  return store.transaction(async (tx) => {
    const suggestion = await lockPendingSuggestion(tx, projectId, id);
    const decided = await decideSuggestion(tx, projectId, id, { status: 'rejected', decidedBy: actor, mergeId: null });
    const data = { suggestion_id: id, kind: suggestion.kind, reason: suggestion.reason, decided_by: actor };
    await insertHistory(tx, projectId, [{ id: newId(), kind: 'merge_rejected', contactId: suggestion.from_contact_id, otherContactId: suggestion.to_contact_id, data }]);
    await enqueueEvents(tx, projectId, [
      { type: 'merge.rejected', contactId: suggestion.to_contact_id, data: { ...data, from_contact_id: suggestion.from_contact_id, to_contact_id: suggestion.to_contact_id } },
    ]);
    return decided;
  });
}
