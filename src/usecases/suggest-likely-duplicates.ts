import { scoreLikelyDuplicate, type EvidenceItem } from '../domain/likely-duplicates.js';
import type { Store } from '../store/database.js';
import { selectBlockingGroups, selectLikelyRows, selectSuggestedPairs, type BlockingKey, type LikelyRow } from '../store/likely-duplicates.js';
import { selectSettings } from '../store/projects.js';
import { suggestMerge } from './steps/suggest-merge.js';

// docs/likely-duplicates.md `POST /v1/dedupe {"likely": true}`: the whole base, set-based. Candidate pairs
// come from blocking keys grouped in the database (one GROUP BY per key), are scored in memory, and a
// pair at or above the threshold becomes a suggestion of kind `likely` — once per pair: a pair suggested
// before (pending, approved or rejected) is not suggested again. Nothing is merged here.

export interface LikelyPair {
  from_contact_id: string;
  to_contact_id: string;
  score: number;
  evidence: EvidenceItem[];
}

export interface LikelyDedupeReport {
  dry_run: boolean;
  threshold: number;
  /** candidate pairs scored */
  pairs_compared: number;
  /** pairs at or above the threshold, new or suggested before */
  pairs_found: number;
  suggestions_created: number;
  /** blocking groups too large to say anything (a shared office phone, `info@`), left out */
  groups_skipped: number;
  /** the first pairs found, best first */
  pairs: LikelyPair[];
}

export interface LikelyDedupeOptions {
  dryRun?: boolean;
  onProgress?: (done: number, total: number) => void;
}

const BLOCKING_KEYS: BlockingKey[] = ['email', 'phone_last7', 'phone_one_edit', 'name_and_variable'];
/** a blocking group larger than this is skipped */
const MAX_GROUP = 50;
const PAIRS_PER_BATCH = 2000;
const SUGGESTIONS_PER_TRANSACTION = 500;
const SHOWN_PAIRS = 100;

export async function suggestLikelyDuplicates(store: Store, projectId: string, options: LikelyDedupeOptions = {}): Promise<LikelyDedupeReport> {
  const { likely_threshold: threshold } = await selectSettings(store.db, projectId);
  const report: LikelyDedupeReport = { dry_run: options.dryRun ?? false, threshold, pairs_compared: 0, pairs_found: 0, suggestions_created: 0, groups_skipped: 0, pairs: [] };

  const pairs = new Set<string>();
  for (const key of BLOCKING_KEYS) {
    const { groups, skipped } = await selectBlockingGroups(store.db, projectId, key, MAX_GROUP);
    report.groups_skipped += skipped;
    for (const ids of groups) {
      for (let i = 0; i < ids.length; i++) for (let j = i + 1; j < ids.length; j++) pairs.add(ids[i] < ids[j] ? `${ids[i]}|${ids[j]}` : `${ids[j]}|${ids[i]}`);
    }
  }
  const suggested = await selectSuggestedPairs(store.db, projectId);
  const found: LikelyPair[] = [];
  const all = [...pairs];
  report.pairs_compared = all.length;
  for (let start = 0; start < all.length; start += PAIRS_PER_BATCH) {
    const batch = all.slice(start, start + PAIRS_PER_BATCH).map((p) => p.split('|') as [string, string]);
    const rows = new Map((await selectLikelyRows(store.db, projectId, [...new Set(batch.flat())])).map((r) => [r.id, r]));
    for (const [low, high] of batch) {
      const a = rows.get(low);
      const b = rows.get(high);
      if (!a || !b) continue;
      const { score, evidence } = scoreLikelyDuplicate(a, b);
      if (score < threshold) continue;
      report.pairs_found++;
      if (!suggested.has(`${low}|${high}`)) found.push({ ...direction(a, b), score, evidence });
    }
    options.onProgress?.(Math.min(start + PAIRS_PER_BATCH, all.length), all.length);
  }
  found.sort((x, y) => y.score - x.score);
  report.pairs = found.slice(0, SHOWN_PAIRS);
  if (report.dry_run) return report;

  for (let start = 0; start < found.length; start += SUGGESTIONS_PER_TRANSACTION) {
    report.suggestions_created += await store.transaction(async (tx) => {
      let created = 0;
      for (const pair of found.slice(start, start + SUGGESTIONS_PER_TRANSACTION)) {
        const done = await suggestMerge(tx, projectId, {
          kind: 'likely',
          fromId: pair.from_contact_id,
          toId: pair.to_contact_id,
          reason: 'likely',
          evidence: { score: pair.score, items: pair.evidence },
        });
        if (done.created) created++;
      }
      return created;
    });
  }
  return report;
}

/** The newer contact is suggested into the older one, as the bulk dedupe merges into the oldest. */
function direction(a: LikelyRow, b: LikelyRow): { from_contact_id: string; to_contact_id: string } {
  const aOlder = a.created_at.getTime() < b.created_at.getTime() || (a.created_at.getTime() === b.created_at.getTime() && a.id < b.id);
  return aOlder ? { from_contact_id: b.id, to_contact_id: a.id } : { from_contact_id: a.id, to_contact_id: b.id };
}
