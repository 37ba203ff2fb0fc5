import pMap from 'p-map';
import { blockedForms, clusterGroups, type Cluster } from '../domain/merge-rules.js';
import { DomainError } from '../domain/errors.js';
import type { Store, Tx } from '../store/database.js';
import { selectRules, type MergeRuleRow } from '../store/merge-rules.js';
import { analyzeContactTables, selectSharedKeys } from '../store/rule-matches.js';
import { selectSettings } from '../store/projects.js';
import { mergeClusters } from './steps/merge-clusters.js';
import { suggestMerge } from './steps/suggest-merge.js';

// docs/rules.md bulk dedupe: all rules over the whole base at once. Finding the clusters is set-based (one
// GROUP BY per rule over the contacts' values, then connected components in memory); each cluster is
// then merged into its oldest contact through the merge engine, many clusters per transaction.

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
const CLUSTERS_PER_TRANSACTION = 1000;
/** merging a cluster can give its survivor new key combinations (rules of several fields); a few passes settle them */
const MAX_PASSES = 3;

export async function dedupeContacts(store: Store, projectId: string, options: DedupeOptions = {}): Promise<DedupeReport> {
  const report: DedupeReport = { dry_run: options.dryRun ?? false, clusters_found: 0, contacts_merged: 0, suggestions_created: 0, clusters: [], shared_values: [], failed: [] };
  const settings = await selectSettings(store.db, projectId);
  const rules = await selectRules(store.db, projectId);
  if (rules.length === 0) return report;
  if (options.afterBulkLoad) await analyzeContactTables(store.db);
  const blocked = blockedForms(settings.blocked_values, settings.default_region);
  // work that splits into independent statements runs on two connections on PostgreSQL (one per core);
  // PGlite runs one statement at a time anyway
  const parallel = store.kind === 'postgres' ? 2 : 1;

  for (let pass = 0; pass < MAX_PASSES; pass++) {
    // one GROUP BY per rule, two at once on PostgreSQL
    const groups = (await pMap(rules, (rule) => selectSharedKeys(store.db, projectId, [rule], blocked), { concurrency: parallel })).flat();
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
    // clusters are disjoint, so batches lock disjoint contacts and can run at once
    const batches = chunks(clusters, CLUSTERS_PER_TRANSACTION);
    let done = 0;
    await pMap(
      batches,
      async (batch) => {
        await settleBatch(store, projectId, batch, { rules, manual: settings.merge_mode === 'manual' }, report);
        options.onProgress?.((done += batch.length), clusters.length);
      },
      { concurrency: parallel, stopOnError: false }, // a failure waits for the other batch, then is thrown
    );
    // suggestions change nothing, so another pass would find the same clusters
    if (settings.merge_mode === 'manual') break;
    // with one field a rule, a cluster already holds every contact that shares any of its values, so
    // the survivor's new alternates tie it to no one new; only a value that was too widely shared may
    // have come under max_shared with the merges
    if (rules.every((r) => r.fields.length === 1) && report.shared_values.length === 0) break;
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

function chunks<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}
