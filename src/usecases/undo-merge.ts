import { DomainError } from '../domain/errors.js';
import { revertContact } from '../domain/merge-policy.js';
import { newId } from '../ids.js';
import { selectContactCard } from '../store/contacts.js';
import type { Store, Tx } from '../store/database.js';
import { journaledKinds, moveBack, MOVE_KINDS, restoreDeleted, type JournalScope } from '../store/merge-journal.js';
import {
  lockContactsInOrder,
  markActive,
  markUndone,
  removeAlternatesOf,
  removeTags,
  selectLaterChanges,
  selectMerge,
  selectMergeSides,
  setLastActivity,
  writeContactValues,
  type MergeRecord,
} from '../store/merges.js';
import { insertHistory } from '../store/history.js';
import { enqueueEvents } from '../store/outbox.js';
import { contactCardView, type ContactCardView } from './views/contact-card.js';

export interface UndoResult {
  merge_id: string;
  contacts: ContactCardView[];
}

/**
 * docs/merging.md: a whole merge undone from its journal. Everything it moved goes back and FROM is active
 * again; TO's values go back where nobody changed them since. Refused while a later merge or unmerge of
 * TO stands on top of it.
 */
export async function undoMerge(store: Store, projectId: string, mergeId: string, actor: string): Promise<UndoResult> {
  return store.transaction(async (tx) => {
    const found = await selectMerge(tx, projectId, mergeId);
    if (!found) throw new DomainError('merge_not_found', `no merge ${mergeId} in this project`);
    const scope: JournalScope = { projectId, mergeId };
    await lockContactsInOrder(tx, projectId, [found.from_contact_id, found.to_contact_id]);
    const merge = (await selectMerge(tx, projectId, mergeId))!; // as it is now that its contacts are ours
    await requireUndoable(tx, projectId, merge);

    await putBack(tx, scope, merge);
    await markUndone(tx, projectId, mergeId);
    const data = { merge_id: mergeId, from_contact_id: merge.from_contact_id, to_contact_id: merge.to_contact_id, actor };
    await insertHistory(tx, projectId, [{ id: newId(), kind: 'undo', contactId: merge.to_contact_id, otherContactId: merge.from_contact_id, data }]);
    await enqueueEvents(tx, projectId, [{ type: 'contact.unmerged', contactId: merge.from_contact_id, data: { ...data, contact_id: merge.from_contact_id, undo: true } }]);

    const contacts = [];
    for (const id of [merge.from_contact_id, merge.to_contact_id]) contacts.push(contactCardView((await selectContactCard(tx, projectId, id))!));
    return { merge_id: mergeId, contacts };
  });
}

async function requireUndoable(tx: Tx, projectId: string, merge: MergeRecord): Promise<void> {
  if (merge.state === 'undone') throw new DomainError('merge_already_undone', `merge ${merge.id} was already undone`);
  const later = await selectLaterChanges(tx, projectId, merge);
  if (later.length > 0) {
    const first = later[0];
    throw new DomainError(
      'merge_has_later_changes',
      first.kind === 'merge'
        ? `contact ${merge.to_contact_id} took part in merge ${first.id} after this one; undo that merge first`
        : `an identity was untied from contact ${merge.to_contact_id} after this merge (history entry ${first.id}), so it cannot be undone`,
    );
  }
}

/** The journal played backwards, one statement per kind the merge touched. */
async function putBack(tx: Tx, scope: JournalScope, merge: MergeRecord): Promise<void> {
  const { projectId: p, mergeId } = scope;
  const { plan } = merge;
  const kinds = await journaledKinds(tx, scope);
  if (kinds.has('joined_conversation')) await restoreDeleted(tx, scope, 'joined_conversation');
  for (const kind of MOVE_KINDS) if (kinds.has(kind)) await moveBack(tx, scope, kind);
  if (kinds.has('scheduled_message')) await restoreDeleted(tx, scope, 'scheduled_message');
  await setLastActivity(tx, p, plan.conversations_bumped.map((b) => ({ id: b.id, from: b.to, to: b.from })));

  const [to] = await selectMergeSides(tx, p, [merge.to_contact_id]);
  await writeContactValues(tx, p, [{ id: merge.to_contact_id, ...revertContact(to, plan) }]);
  await removeAlternatesOf(tx, p, mergeId);
  await removeTags(tx, p, merge.to_contact_id, plan.tags_added);
  await markActive(tx, p, merge.from_contact_id, plan.before.from);
}
