import { sql } from 'kysely';
import { DomainError } from '../domain/errors.js';
import { planMerge, type FieldChoice, type MergePlan } from '../domain/merge-policy.js';
import { newId } from '../ids.js';
import { selectContactCard } from '../store/contacts.js';
import { mergeReasonLabel, merges } from '../metrics.js';
import { afterCommit, type Tx } from '../store/database.js';
import { deleteKept, moveRows, uuidArray, type JournalScope } from '../store/merge-journal.js';
import {
  addAlternates,
  addTags,
  countConversationContents,
  insertMerge,
  lockContactsInOrder,
  markMerged,
  selectContactStates,
  selectMergeSides,
  setLastActivity,
  writeContactValues,
  type LockedContact,
} from '../store/merges.js';
import { enqueueEvents } from '../store/outbox.js';
import { contactCardView, type ContactCardView } from './get-contact.js';

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
  /** the operator's per-field choice over the default policy (docs/merging.md) */
  fields?: FieldChoice;
}

export interface MergeCounts {
  identities: number;
  conversations: number;
  conversations_joined: number;
  messages: number;
  attachments: number;
  contact_events: number;
  conversation_events: number;
  notes: number;
  references: number;
  scheduled_messages_deleted: number;
  tags_added: number;
  alternates_added: number;
}

export interface MergeResult {
  /** null for a dry run */
  merge_id: string | null;
  dry_run: boolean;
  contact: ContactCardView;
  moved: MergeCounts;
}

/**
 * docs/merging.md: moves everything of FROM into TO inside the caller's transaction, so links, rules and
 * suggestions merge as one step of their own work. A dry run does the same merge and rolls it back, so it
 * answers exactly what a merge would do.
 */
export async function mergeContacts(tx: Tx, projectId: string, request: MergeRequest): Promise<MergeResult> {
  if (request.dryRun) return rolledBack(tx, async () => ({ ...(await merge(tx, projectId, request)), merge_id: null, dry_run: true }));
  const result = await merge(tx, projectId, request);
  afterCommit(tx, () => merges.inc({ reason: mergeReasonLabel(request.reason) }));
  return result;
}

async function merge(tx: Tx, projectId: string, { fromId, toId, reason, actor, fields }: MergeRequest): Promise<MergeResult> {
  if (fromId === toId) throw new DomainError('merge_into_itself', `contact ${fromId} cannot be merged into itself; pick two different contacts`);
  const locked = await lockContactsInOrder(tx, projectId, [fromId, toId], { activeOnly: true });
  if (locked.length < 2) {
    requireActive(await selectContactStates(tx, projectId, [fromId, toId]), [fromId, toId]);
    throw new DomainError('conflict', 'a contact of this merge changed while it waited; send it again');
  }

  const sides = await selectMergeSides(tx, projectId, [fromId, toId]);
  const plan = planMerge(sides.find((s) => s.id === fromId)!, sides.find((s) => s.id === toId)!, reason === 'link' ? 'to' : 'from', fields);
  const mergeId = newId();
  const moved = await applyPlan(tx, { projectId, mergeId }, plan);

  const record = { merge_id: mergeId, from_contact_id: fromId, to_contact_id: toId, reason, actor, moved, ...(plan.fields ? { fields: plan.fields } : {}) };
  await insertMerge(
    tx,
    projectId,
    { id: mergeId, from_contact_id: fromId, to_contact_id: toId, reason, actor, plan, moved: { ...moved } },
    { id: newId(), kind: 'merge', contactId: toId, otherContactId: fromId, data: record },
  );
  await enqueueEvents(tx, projectId, [{ type: 'contact.merged', contactId: toId, data: record }]);
  const contact = contactCardView((await selectContactCard(tx, projectId, toId))!);
  return { merge_id: mergeId, dry_run: false, contact, moved };
}

/** Refuses a merge from or into a contact that does not exist or was merged already; nothing is changed yet. */
function requireActive(locked: LockedContact[], ids: string[]): void {
  for (const id of ids) {
    const contact = locked.find((c) => c.id === id);
    if (!contact) throw new DomainError('contact_not_found', `no contact ${id} in this project`);
    if (contact.state !== 'active') {
      throw new DomainError('contact_already_merged', `contact ${id} was already merged into ${contact.merged_into}; merge that contact instead`);
    }
  }
}

/** The plan as set-based SQL: a fixed number of statements whatever FROM holds. */
async function applyPlan(tx: Tx, scope: JournalScope, plan: MergePlan): Promise<MergeCounts> {
  const { projectId: p } = scope;
  const from = plan.from_contact_id;
  const to = plan.to_contact_id;
  const contactMove = [{ old: from, new: to }];
  const joins = plan.conversations_joined.map((j) => ({ old: j.from, new: j.into }));
  const contents = await countConversationContents(tx, p, from);

  // Scheduled jobs of the messages TO inherits are dropped (kept in the journal for an undo).
  const scheduledDeleted = await deleteKept(
    tx,
    scope,
    'scheduled_message',
    contactMove[0],
    sql`messages m, conversations v`,
    sql`t.kind = 'scheduled_message' AND m.project_id = t.project_id AND m.id = t.message_id
        AND v.project_id = m.project_id AND v.id = m.conversation_id AND v.contact_id = ${from}`,
  );
  await moveRows(tx, scope, 'message', joins);
  await moveRows(tx, scope, 'conversation_event', joins);
  const joinedIds = plan.conversations_joined.map((j) => j.from);
  if (joinedIds.length > 0) {
    await deleteKept(tx, scope, 'joined_conversation', contactMove[0], null, sql`t.id = ANY(${uuidArray(joinedIds)})`);
  }
  await setLastActivity(tx, p, plan.conversations_bumped);

  const moved: MergeCounts = {
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
    tags_added: plan.tags_added.length,
    alternates_added: plan.alternates_added.phones.length + plan.alternates_added.emails.length,
  };

  await markMerged(tx, p, from, to);
  await writeContactValues(tx, p, to, plan.after);
  await addAlternates(tx, p, to, scope.mergeId, plan.alternates_added);
  await addTags(tx, p, to, plan.tags_added);
  return moved;
}

/** Runs `work` and undoes its writes, keeping the caller's transaction. */
async function rolledBack<T>(tx: Tx, work: () => Promise<T>): Promise<T> {
  await sql`SAVEPOINT merge_dry_run`.execute(tx);
  try {
    return await work();
  } finally {
    await sql`ROLLBACK TO SAVEPOINT merge_dry_run`.execute(tx);
  }
}
