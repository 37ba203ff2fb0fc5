import { DomainError } from '../../domain/errors.js';
import { planMerge, type MergeSide } from '../../domain/merge-policy.js';
import { mergeRecords, NOTHING_MOVED, type MergeRecords } from '../../domain/merge-records.js';
import type { Cluster } from '../../domain/merge-rules.js';
import { newId } from '../../ids.js';
import { merges as mergesCounted } from '../../metrics.js';
import { afterCommit, type Tx } from '../../store/database.js';
import { lockContactsInOrder, selectClusterSides, writeMerges } from '../../store/merges.js';
import type { MergeRuleRow } from '../../store/merge-rules.js';
import { mergeByRule } from './apply-rules.js';

/**
 * docs/rules.md bulk dedupe: merges each cluster's members into its survivor, in order, inside the caller's
 * transaction. Members that own only their fields (what an import makes) are merged by the same policy
 * (`planMerge`, folded member by member) into the same records (`mergeRecords`) as every other merge, all
 * written set-based at once; a cluster with a member that owns identities, conversations or other rows goes
 * through the merge engine one merge at a time. Answers how many contacts were merged.
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
  const records: MergeRecords[] = [];
  for (const cluster of clusters) {
    let to = sides.get(cluster.survivor)!;
    for (const member of cluster.members) {
      const plan = planMerge(sides.get(member.contact_id)!, to);
      const rule = { rule_id: member.rule_id, fields: fieldsOf(rules, member.rule_id), values: member.values };
      records.push(mergeRecords({ mergeId: newId(), plan, reason: `rule:${member.rule_id}`, actor, moved: NOTHING_MOVED, rule }, newId));
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
  }
  await writeMerges(tx, projectId, records);
  afterCommit(tx, () => mergesCounted.inc({ reason: 'rule' }, records.length));
}
