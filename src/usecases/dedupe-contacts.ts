import { blockedForms, clusterGroups, type Cluster } from '../domain/merge-rules.js';
import { DomainError } from '../domain/errors.js';
import type { Store, Tx } from '../store/database.js';
import { analyzeMatchTables, selectRules, selectSharedKeys, type MergeRuleRow } from '../store/match-keys.js';
import { selectSettings } from '../store/projects.js';
import { mergeClusters } from './merge-clusters.js';
import { suggestMerge } from './suggest-merge.js';

// SPEC §5 bulk dedupe: all rules over the whole base at once. Finding the clusters is set-based (one
// GROUP BY per rule over the contacts' values, then connected components in memory); each cluster is then merged into
// its oldest contact through the merge engine, many clusters per transaction.

export interface DedupeOptions {
  dryRun?: boolean;
  /** many contacts were just written: refresh the planner's statistics first */
  afterBulkLoad?: boolean;
  /** called after each batch of clusters with how many of them are done */
  onProgress?: (done: number, total: number) => void;
}

export interface DedupeReport {
  dry_run: boolean;
  clusters_found: number;
  /** contacts merged into another (or that would be, in a dry run) */
  contacts_merged: number;
  suggestions_created: number;
  /** the first clusters found, for a look; `clusters_found` counts them all */
  clusters: Cluster[];
  shared_values: Array<{ rule_id: string; values: string[]; contacts: number }>;
  /** clusters that could not be merged (a contact changed meanwhile), with why */
  failed: Array<{ survivor: string; reason: string }>;
}

const SHOWN_CLUSTERS = 100;
const CLUSTERS_PER_TRANSACTION = 500;
/** merging a cluster can give its survivor new key combinations; a few passes settle them */
const MAX_PASSES = 3;

export async function dedupeContacts(store: Store, projectId: string, options: DedupeOptions = {}): Promise<DedupeReport> {
  const report: DedupeReport = { dry_run: options.dryRun ?? false, clusters_found: 0, contacts_merged: 0, suggestions_created: 0, clusters: [], shared_values: [], failed: [] };
  const settings = await selectSettings(store.db, projectId);
  const rules = await selectRules(store.db, projectId);
  if (rules.length === 0) return report;
  if (options.afterBulkLoad) await analyzeMatchTables(store.db);
  const blocked = blockedForms(settings.blocked_values, settings.default_region);

  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const groups = await selectSharedKeys(store.db, projectId, rules, blocked);
    if (pass === 0) {
      report.shared_values = groups
        .filter((g) => g.contact_ids.length > settings.max_shared)
        .map((g) => ({ rule_id: g.rule_id, values: g.values, contacts: g.contact_ids.length }))
        .sort((a, b) => b.contacts - a.contacts);
    }
    const clusters = clusterGroups(groups, settings.max_shared).filter((c) => !report.failed.some((f) => f.survivor === c.survivor));
    if (clusters.length === 0) break;
    report.clusters_found += clusters.length;
    report.clusters.push(...clusters.slice(0, SHOWN_CLUSTERS - report.clusters.length));
    if (report.dry_run) {
      report.contacts_merged = clusters.reduce((n, c) => n + c.members.length, 0);
      break;
    }
    for (let start = 0; start < clusters.length; start += CLUSTERS_PER_TRANSACTION) {
      await settleBatch(store, projectId, clusters.slice(start, start + CLUSTERS_PER_TRANSACTION), { rules, manual: settings.merge_mode === 'manual' }, report);
      options.onProgress?.(Math.min(start + CLUSTERS_PER_TRANSACTION, clusters.length), clusters.length);
    }
    // suggestions change nothing, so another pass would find the same clusters
    if (settings.merge_mode === 'manual') break;
  }
  return report;
}

interface BatchContext {
  rules: MergeRuleRow[];
  manual: boolean;
}

/** A batch in one transaction; when a cluster of it fails, each cluster again in its own, so one bad cluster costs only itself. */
async function settleBatch(store: Store, projectId: string, clusters: Cluster[], context: BatchContext, report: DedupeReport): Promise<void> {
  try {
    const counts = await store.transaction((tx) => settleClusters(tx, projectId, clusters, context));
    report.contacts_merged += counts.merged;
    report.suggestions_created += counts.suggested;
  } catch (err) {
    if (!(err instanceof DomainError) || clusters.length === 1) {
      if (!(err instanceof DomainError)) throw err;
      report.failed.push({ survivor: clusters[0].survivor, reason: err.message });
      return;
    }
    for (const cluster of clusters) await settleBatch(store, projectId, [cluster], context, report);
  }
}

async function settleClusters(tx: Tx, projectId: string, clusters: Cluster[], { rules, manual }: BatchContext) {
  if (!manual) return { merged: await mergeClusters(tx, projectId, clusters, { rules, actor: 'dedupe' }), suggested: 0 };
  let suggested = 0;
  for (const cluster of clusters) {
    for (const member of cluster.members) {
      const { created } = await suggestMerge(tx, projectId, {
        kind: 'rule',
        fromId: member.contact_id,
        toId: cluster.survivor,
        reason: `rule:${member.rule_id}`,
        evidence: { rule_id: member.rule_id, fields: rules.find((r) => r.id === member.rule_id)?.fields ?? [], values: member.values },
      });
      if (created) suggested++;
    }
  }
  return { merged: 0, suggested };
}
