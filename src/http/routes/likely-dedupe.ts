import { Type } from '@fastify/type-provider-typebox';
import type { Store } from '../../store/database.js';
import { suggestLikelyDuplicates } from '../../usecases/suggest-likely-duplicates.js';
import { Id } from '../schemas.js';
import { LikelyEvidence } from './likely-duplicates.js';

/** What POST /v1/dedupe {"likely": true} adds to the dedupe answer. */
export const LikelyDedupeResult = Type.Object(
  {
    threshold: Type.Number({ description: 'the likely_threshold the pass used' }),
    pairs_compared: Type.Integer({ description: 'candidate pairs found by the blocking keys and scored' }),
    pairs_found: Type.Integer({ description: 'pairs at or above the threshold, suggested now or before' }),
    suggestions_created: Type.Integer(),
    groups_skipped: Type.Integer({ description: 'blocking groups of more than 50 contacts (a shared office phone, info@…), left out' }),
    pairs: Type.Array(
      Type.Object({ from_contact_id: Id, to_contact_id: Id, score: Type.Number(), evidence: Type.Array(LikelyEvidence) }),
      { description: 'the first 100 new pairs, best first' },
    ),
  },
  { description: 'the likely-duplicates pass' },
);

/** The likely-duplicates pass, answered in the shape of the dedupe result: no clusters, no merges. */
export async function dedupeLikely(store: Store, projectId: string, dryRun: boolean) {
  const report = await suggestLikelyDuplicates(store, projectId, { dryRun });
  const { dry_run, ...likely } = report;
  return { dry_run, clusters_found: 0, contacts_merged: 0, suggestions_created: report.suggestions_created, clusters: [], shared_values: [], failed: [], likely };
}
