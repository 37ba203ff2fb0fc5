import { DomainError } from '../domain/errors.js';
import { hasComparableVariables, phoneNeighbours, scoreLikelyDuplicate, type EvidenceItem } from '../domain/likely-duplicates.js';
import type { Store } from '../store/database.js';
import { contactExists, selectContactsByIds, type ContactRow } from '../store/contacts.js';
import { selectCandidateIds, selectLikelyRows, selectRejectedPartners } from '../store/likely-duplicates.js';
import { selectSettings } from '../store/projects.js';

export interface LikelyDuplicate {
  contact: ContactRow;
  score: number;
  evidence: EvidenceItem[];
}

/** Contacts found by each blocking key at most: enough for any real person, bounded for a common name. */
const CANDIDATES_PER_KEY = 50;

/**
 * docs/likely-duplicates.md `GET /v1/contacts/{id}/duplicates`: active contacts of the project that are
 * likely the same person, best first, scored at or above the project's `likely_threshold`. Never the contact
 * itself, a merged contact, or a pair an operator rejected as likely duplicates.
 */
export async function findLikelyDuplicates(store: Store, projectId: string, contactId: string, limit: number): Promise<{ items: LikelyDuplicate[] }> {
  return store.transaction(async (tx) => {
    const [self] = await selectLikelyRows(tx, projectId, [contactId]);
    if (!self) {
      if (await contactExists(tx, projectId, contactId)) {
        throw new DomainError('contact_already_merged', `contact ${contactId} was merged into another contact; ask for the duplicates of the one GET /v1/contacts/${contactId} names in merged_into`);
      }
      throw new DomainError('contact_not_found', `no contact ${contactId} in this project`);
    }
    const { likely_threshold: threshold } = await selectSettings(tx, projectId);
    const probe = {
      ...self,
      phoneNeighbours: self.phone ? phoneNeighbours(self.phone) : [],
      byName: hasComparableVariables(self.variables),
    };
    const candidateIds = await selectCandidateIds(tx, projectId, probe, CANDIDATES_PER_KEY);
    const rejected = await selectRejectedPartners(tx, projectId, contactId, candidateIds);
    const scored = (await selectLikelyRows(tx, projectId, candidateIds.filter((id) => !rejected.has(id))))
      .map((candidate) => ({ id: candidate.id, ...scoreLikelyDuplicate(self, candidate) }))
      .filter((c) => c.score >= threshold)
      .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
      .slice(0, limit);
    const contacts = new Map((await selectContactsByIds(tx, projectId, scored.map((c) => c.id))).map((c) => [c.id, c]));
    return { items: scored.map(({ id, score, evidence }) => ({ contact: contacts.get(id)!, score, evidence })) };
  });
}
