import { assertActiveContact } from '../domain/contact-errors.js';
import { DomainError } from '../domain/errors.js';
import { planMerge, type FieldChoice, type MergePlan } from '../domain/merge-policy.js';
import { mergeRecords, type MergeCounts, type MovedRows, type RuleEvidence } from '../domain/merge-records.js';
import { newId } from '../ids.js';
import { selectContactCard } from '../store/contacts.js';
import { mergeReasonLabel, merges } from '../metrics.js';
import { afterCommit, rolledBack, type Store, type Tx } from '../store/database.js';
import { deleteJoinedConversations, deleteScheduledMessages, moveRows, type JournalScope } from '../store/merge-journal.js';
import {
  countConversationContents,
  lockContactsInOrder,
  selectContactStates,
  selectMergeSides,
  setLastActivity,
  writeMerges,
  type LockedContact,
} from '../store/merges.js';
import { contactCardView, type ContactCardView } from './views/contact-card.js';

export type { MergeCounts };

/** Why a merge happened (docs/merging.md): the API, a merge link, a merge rule, an approved suggestion. */
export type MergeReason = 'api' | 'link' | `rule:${string}` | `suggestion:${string}`;

export interface MergeRequest {
  fromId: string;
  toId: string;
  reason: MergeReason;
  /** who asked: `api`, an operator, a rule… */
  actor: string;
  /** answer what the merge would do and change nothing */
  dryRun?: boolean;
  /** the rule and values that found the pair, kept in the history beside the merge */
  rule?: RuleEvidence;
  /** the operator's per-field choice over the default policy (docs/merging.md) */
  fields?: FieldChoice;
}

export interface MergeResult {
  /** null for a dry run */
  merge_id: string | null;
  dry_run: boolean;
  contact: ContactCardView;
  moved: MergeCounts;
}

/** `POST /v1/contacts/merge`: one merge in a transaction of its own. */
export async function mergeTwoContacts(store: Store, projectId: string, request: MergeRequest): Promise<MergeResult> {
  return store.transaction((tx) => mergeContacts(tx, projectId, request));
}

/**
 * docs/merging.md: moves everything of FROM into TO inside the caller's transaction, so links, rules and
 * suggestions merge as one step of their own work. A dry run does the same merge and rolls it back, so it
 * answers exactly what a merge would do.
 */
export async function mergeContacts(tx: Tx, projectId: string, request: MergeRequest): Promise<MergeResult> {
  if (request.dryRun) return rolledBack(tx, 'merge_dry_run', async () => ({ ...(await merge(tx, projectId, request)), merge_id: null, dry_run: true }));
  const result = await merge(tx, projectId, request);
  afterCommit(tx, () => merges.inc({ reason: mergeReasonLabel(request.reason) }));
  return result;
}

async function merge(tx: Tx, projectId: string, { fromId, toId, reason, actor, rule, fields }: MergeRequest): Promise<MergeResult> {
  if (fromId === toId) throw new DomainError('merge_into_itself', `contact ${fromId} cannot be merged into itself; pick two different contacts`);
  const locked = await lockContactsInOrder(tx, projectId, [fromId, toId], { activeOnly: true });
  if (locked.length < 2) {
    requireActive(await selectContactStates(tx, projectId, [fromId, toId]), [fromId, toId]);
    throw new DomainError('conflict', 'a contact of this merge changed while it waited; send it again');
  }

  const sides = await selectMergeSides(tx, projectId, [fromId, toId]);
  const plan = planMerge(sides.find((s) => s.id === fromId)!, sides.find((s) => s.id === toId)!, reason === 'link' ? 'to' : 'from', fields);
  const mergeId = newId();
  const moved = await moveRowsOf(tx, { projectId, mergeId }, plan);
  const records = mergeRecords({ mergeId, plan, reason, actor, moved, rule }, newId);
  await writeMerges(tx, projectId, [records]);
  const contact = contactCardView((await selectContactCard(tx, projectId, toId))!);
  return { merge_id: mergeId, dry_run: false, contact, moved: records.merge.moved };
}

/** Refuses a merge from or into a contact that does not exist or was merged already; nothing is changed yet. */
function requireActive(locked: LockedContact[], ids: string[]): void {
  for (const id of ids) {
    assertActiveContact(id, locked.find((c) => c.id === id), 'merge that contact instead');
  }
}

/** The rows the plan moves, as set-based SQL and journaled: a fixed number of statements whatever FROM holds. */
async function moveRowsOf(tx: Tx, scope: JournalScope, plan: MergePlan): Promise<MovedRows> {
  const { projectId: p } = scope;
  const from = plan.from_contact_id;
  const to = plan.to_contact_id;
  const contactMove = [{ old: from, new: to }];
  const joins = plan.conversations_joined.map((j) => ({ old: j.from, new: j.into }));
  const contents = await countConversationContents(tx, p, from);

  // Scheduled jobs of the messages TO inherits are dropped (kept in the journal for an undo).
  const scheduledDeleted = await deleteScheduledMessages(tx, scope, contactMove[0]);
  await moveRows(tx, scope, 'message', joins);
  await moveRows(tx, scope, 'conversation_event', joins);
  const joinedIds = plan.conversations_joined.map((j) => j.from);
  await deleteJoinedConversations(tx, scope, contactMove[0], joinedIds);
  await setLastActivity(tx, p, plan.conversations_bumped);

  return {
    identities: await moveRows(tx, scope, 'identity', contactMove),
    conversations: await moveRows(tx, scope, 'conversation', contactMove, plan.conversations_moved),
    conversations_joined: joinedIds.length,
    messages: contents.messages,
    attachments: contents.attachments,
    contact_events: await moveRows(tx, scope, 'contact_event', contactMove),
    conversation_events: contents.conversation_events,
    notes: await moveRows(tx, scope, 'note', contactMove),
    references: await moveRows(tx, scope, 'reference', contactMove),
    scheduled_messages_deleted: scheduledDeleted,
  };
}
