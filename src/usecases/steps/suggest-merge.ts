import { newId } from '../../ids.js';
import type { Tx } from '../../store/database.js';
import { insertHistory } from '../../store/history.js';
import { enqueueEvents } from '../../store/outbox.js';
import { insertSuggestion, type SuggestionRow } from '../../store/suggestions.js';

export interface MergeProposal {
  /** what found the pair: a completed link or a merge rule */
  kind: 'link' | 'rule' | 'likely';
  fromId: string;
  toId: string;
  /** `link` or `rule:<id>`, as a merge would record it */
  reason: string;
  /** what the operator sees to decide: the rule and its values, or the link and the identity that used it */
  evidence: Record<string, unknown>;
}

/**
 * docs/merging.md manual mode: instead of merging, leave the pair for an operator, inside the caller's
 * transaction. A pair gets one suggestion per kind: one already pending, approved or rejected stands.
 */
export async function suggestMerge(tx: Tx, projectId: string, proposal: MergeProposal): Promise<{ suggestion: SuggestionRow; created: boolean }> {
  const { row, created } = await insertSuggestion(tx, projectId, { id: newId(), ...proposal });
  if (created) {
    const data = { suggestion_id: row.id, kind: row.kind, reason: row.reason, evidence: row.evidence, ...likelyScore(row) };
    await insertHistory(tx, projectId, [{ id: newId(), kind: 'merge_suggested', contactId: row.from_contact_id, otherContactId: row.to_contact_id, data }]);
    await enqueueEvents(tx, projectId, [
      { type: 'merge.suggested', contactId: row.to_contact_id, data: { ...data, from_contact_id: row.from_contact_id, to_contact_id: row.to_contact_id } },
    ]);
  }
  return { suggestion: row, created };
}

/** A likely duplicate's event and history say its score beside the evidence (docs/likely-duplicates.md). */
function likelyScore(row: SuggestionRow): { score?: number } {
  return row.kind === 'likely' && typeof row.evidence.score === 'number' ? { score: row.evidence.score } : {};
}
