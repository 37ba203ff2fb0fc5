import { DomainError } from '../domain/errors.js';
import { planMerge, type MergeSide } from '../domain/merge-policy.js';
import type { Cluster } from '../domain/merge-rules.js';
import { newId } from '../ids.js';
import {
  insertAllAlternates,
  insertAllTags,
  insertHistoryEntries,
  insertMerges,
  markAllMerged,
  selectClusterSides,
  writeAllContactValues,
  type BulkMergeRecord,
} from '../store/bulk-merges.js';
import { merges as mergesCounted } from '../metrics.js';
import { afterCommit, type Tx } from '../store/database.js';
import { lockContactsInOrder } from '../store/merges.js';
import type { MergeRuleRow } from '../store/match-keys.js';
import { enqueueEvents, type OutboxEvent } from '../store/outbox.js';
import { mergeByRule } from './apply-rules.js';
import type { MergeCounts } from './merge-contacts.js';

const NOTHING_MOVED: MergeCounts = {
  identities: 0, conversations: 0, conversations_joined: 0, messages: 0, attachments: 0, contact_events: 0,
  conversation_events: 0, notes: 0, references: 0, scheduled_messages_deleted: 0, tags_added: 0, alternates_added: 0,
};

/**
 * docs/rules.md bulk dedupe: merges each cluster's members into its survivor, in order, inside the caller's
 * transaction. Members that own only their fields (what an import makes) are merged by the same policy
 * (`planMerge`, folded member by member) and written set-based, with the same merge records, history and
 * events as the merge engine writes; a cluster with a member that owns identities, conversations or
 * other rows goes through the merge engine one merge at a time. Answers how many contacts were merged.
 */
export async function mergeClusters(tx: Tx, projectId: string, clusters: Cluster[], context: { rules: MergeRuleRow[]; actor: string }): Promise<number> {
  const ids = clusters.flatMap((c) => [c.survivor, ...c.members.map((m) => m.contact_id)]);
  const locked = await lockContactsInOrder(tx, projectId, ids, { activeOnly: true });
  if (locked.length < ids.length) throw new DomainError('conflict', 'contacts of these clusters changed meanwhile; run the dedupe again');

  const sides = await selectClusterSides(tx, projectId, ids);
  const withRows = new Set(sides.filter((c) => c.owns_rows).map((c) => c.id));
  const rich = clusters.filter((c) => c.members.some((m) => withRows.has(m.contact_id)));
  const plain = clusters.filter((c) => !rich.includes(c));
  for (const cluster of rich) {
    for (const m of cluster.members) {
      await mergeByRule(tx, projectId, { fromId: m.contact_id, toId: cluster.survivor, ruleId: m.rule_id, fields: fieldsOf(context.rules, m.rule_id), values: m.values, actor: context.actor });
    }
  }
  if (plain.length > 0) await mergePlain(tx, projectId, plain, new Map(sides.map((s) => [s.id, s])), context);
  return clusters.reduce((n, c) => n + c.members.length, 0);
}

const fieldsOf = (rules: MergeRuleRow[], ruleId: string) => rules.find((r) => r.id === ruleId)?.fields ?? [];

async function mergePlain(tx: Tx, projectId: string, clusters: Cluster[], sides: Map<string, MergeSide>, { rules, actor }: { rules: MergeRuleRow[]; actor: string }): Promise<void> {
  const merges: BulkMergeRecord[] = [];
  const history: Parameters<typeof insertHistoryEntries>[2] = [];
  const alternates: Parameters<typeof insertAllAlternates>[2] = [];
  const tags: Array<{ contact_id: string; tag: string }> = [];
  const events: OutboxEvent[] = [];
  const survivors: Array<MergeSide> = [];

  for (const cluster of clusters) {
    let to = sides.get(cluster.survivor)!;
    for (const member of cluster.members) {
      const plan = planMerge(sides.get(member.contact_id)!, to);
      const mergeId = newId();
      const reason = `rule:${member.rule_id}`;
      const moved = { ...NOTHING_MOVED, tags_added: plan.tags_added.length, alternates_added: plan.alternates_added.phones.length + plan.alternates_added.emails.length };
      const record = { merge_id: mergeId, from_contact_id: member.contact_id, to_contact_id: to.id, reason, actor, moved };
      merges.push({ id: mergeId, from_contact_id: member.contact_id, to_contact_id: to.id, reason, actor, plan, moved });
      history.push({ id: newId(), kind: 'merge', contact_id: to.id, other_contact_id: member.contact_id, data: record });
      history.push({
        id: newId(),
        kind: 'rule_match',
        contact_id: to.id,
        other_contact_id: member.contact_id,
        data: { rule_id: member.rule_id, fields: fieldsOf(rules, member.rule_id), values: member.values, merge_id: mergeId },
      });
      alternates.push({ contact_id: to.id, merge_id: mergeId, alternates: plan.alternates_added });
      tags.push(...plan.tags_added.map((tag) => ({ contact_id: to.id, tag })));
      events.push({ type: 'contact.merged', contactId: to.id, data: record });
      // TO as the next merge of the cluster sees it
      to = {
        ...to,
        ...plan.after,
        tags: [...to.tags, ...plan.tags_added].sort(),
        alternates: {
          phones: [...to.alternates.phones, ...plan.alternates_added.phones].sort(),
          emails: [...to.alternates.emails, ...plan.alternates_added.emails].sort(),
        },
      };
    }
    survivors.push(to);
  }

  await markAllMerged(tx, projectId, merges.map((m) => ({ id: m.from_contact_id, survivor: m.to_contact_id })));
  await writeAllContactValues(tx, projectId, survivors.map((s) => ({ id: s.id, phone: s.phone, email: s.email, external_id: s.external_id, variables: s.variables, preferences: s.preferences })));
  await insertMerges(tx, projectId, merges);
  await insertHistoryEntries(tx, projectId, history);
  await insertAllAlternates(tx, projectId, alternates);
  await insertAllTags(tx, projectId, tags);
  await enqueueEvents(tx, projectId, events);
  afterCommit(tx, () => mergesCounted.inc({ reason: 'rule' }, merges.length));
}
