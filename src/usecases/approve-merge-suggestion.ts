import { DomainError } from '../domain/errors.js';
import type { FieldChoice } from '../domain/merge-policy.js';
import type { Store, Tx } from '../store/database.js';
import { completeSuggestedLinks } from '../store/links.js';
import { enqueueEvents } from '../store/outbox.js';
import { selectSurvivors } from '../store/contacts.js';
import { decideSuggestion, lockSuggestion, type SuggestionRow } from '../store/suggestions.js';
import { finishLink } from './steps/complete-merge-link.js';
import { mergeContacts, type MergeResult } from './merge-contacts.js';

/** The suggestion, refused unless it still waits for a decision. */
export async function lockPendingSuggestion(tx: Tx, projectId: string, id: string): Promise<SuggestionRow> {
  const suggestion = await lockSuggestion(tx, projectId, id);
  if (!suggestion) throw new DomainError('suggestion_not_found', `no merge suggestion ${id} in this project`);
  if (suggestion.status !== 'pending') {
    throw new DomainError('suggestion_already_decided', `suggestion ${id} was ${suggestion.status} by ${suggestion.decided_by} at ${suggestion.decided_at?.toISOString()}`);
  }
  return suggestion;
}

/**
 * docs/merging.md: approval runs the same merge the automatic mode would, recorded as `suggestion:<id>`. When a
 * side was merged elsewhere meanwhile, the merge joins where each side lives now; when both already live
 * in one contact there is nothing left to merge. A link's suggestion then completes its link (docs/links.md):
 * history, `identity.linked` and `switch_to_<channel>` with the tag, as in auto mode.
 */
export async function approveMergeSuggestion(
  store: Store,
  projectId: string,
  id: string,
  actor: string,
  fields?: FieldChoice,
): Promise<{ suggestion: SuggestionRow; merge: MergeResult | null }> {
  return store.transaction(async (tx) => {
    const suggestion = await lockPendingSuggestion(tx, projectId, id);
    const survivors = await selectSurvivors(tx, projectId, [suggestion.from_contact_id, suggestion.to_contact_id]);
    const fromId = survivors.get(suggestion.from_contact_id)!;
    const toId = survivors.get(suggestion.to_contact_id)!;
    const merge = fromId === toId ? null : await mergeContacts(tx, projectId, { fromId, toId, reason: `suggestion:${id}`, actor, fields });
    const decided = await decideSuggestion(tx, projectId, id, { status: 'approved', decidedBy: actor, mergeId: merge?.merge_id ?? null });
    if (suggestion.kind === 'link') {
      for (const link of await completeSuggestedLinks(tx, projectId, id)) {
        const done = { identityId: link.used_by_identity_id!, contactId: toId, fromContactId: merge ? fromId : null, mergeId: merge?.merge_id ?? null };
        await enqueueEvents(tx, projectId, await finishLink(tx, projectId, link, done));
      }
    }
    return { suggestion: decided, merge };
  });
}
