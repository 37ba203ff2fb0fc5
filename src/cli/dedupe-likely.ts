import type { Config } from '../config.js';
import { describeEvidence } from '../domain/likely-duplicates.js';
import { suggestLikelyDuplicates } from '../usecases/suggest-likely-duplicates.js';
import { withProject } from './import.js';

type Print = (line: string) => void;

/** `omnimerge dedupe --likely`: the whole-base likely-duplicates pass (docs/likely-duplicates.md); nothing is merged. */
export async function dedupeLikely(config: Config, print: Print, options: { dryRun: boolean }): Promise<void> {
  await withProject(config, async (store, projectId) => {
    const report = await suggestLikelyDuplicates(store, projectId, { dryRun: options.dryRun });
    print(
      `likely duplicates at threshold ${report.threshold}: ${report.pairs_found} pairs of ${report.pairs_compared} compared; ` +
        (options.dryRun ? `would suggest ${report.pairs.length < 100 ? report.pairs.length : 'at least 100'} new` : `suggested ${report.suggestions_created} new`) +
        (report.groups_skipped ? `; ${report.groups_skipped} blocking groups of over 50 contacts left out` : ''),
    );
    for (const pair of report.pairs.slice(0, 20)) {
      print(`  ${pair.from_contact_id} → ${pair.to_contact_id} score ${pair.score}`);
      for (const item of pair.evidence) print(`    ${describeEvidence(item)}`);
    }
    if (!options.dryRun && report.suggestions_created > 0) print('decide them in the UI (Suggestions) or with POST /v1/merge-suggestions/{id}/approve|reject');
  });
}
