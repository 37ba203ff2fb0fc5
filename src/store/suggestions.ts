import { sql } from 'kysely';
import type { Db, Tx } from './database.js';
import { jsonb } from './sql.js';

export interface SuggestionRow {
  id: string;
  kind: 'link' | 'rule' | 'likely';
  from_contact_id: string;
  to_contact_id: string;
  reason: string;
  evidence: Record<string, unknown>;
  status: 'pending' | 'approved' | 'rejected';
  merge_id: string | null;
  decided_by: string | null;
  decided_at: Date | null;
  created_at: Date;
}

const COLUMNS = [
  'id', 'kind', 'from_contact_id', 'to_contact_id', 'reason', 'evidence', 'status', 'merge_id', 'decided_by', 'decided_at', 'created_at',
] as const;

/** Inserts the suggestion unless the pair already has one of this kind; answers the one that stands. */
export async function insertSuggestion(
  tx: Tx,
  projectId: string,
  s: { id: string; kind: 'link' | 'rule' | 'likely'; fromId: string; toId: string; reason: string; evidence: Record<string, unknown> },
): Promise<{ row: SuggestionRow; created: boolean }> {
  const [low, high] = s.fromId < s.toId ? [s.fromId, s.toId] : [s.toId, s.fromId];
  const inserted = await tx
    .insertInto('merge_suggestions')
    .values({
      project_id: projectId, id: s.id, kind: s.kind, from_contact_id: s.fromId, to_contact_id: s.toId,
      pair_low: low, pair_high: high, reason: s.reason, evidence: jsonb(s.evidence),
    })
    .onConflict((oc) => oc.columns(['project_id', 'kind', 'pair_low', 'pair_high']).doNothing())
    .returning(COLUMNS)
    .executeTakeFirst();
  if (inserted) return { row: inserted, created: true };
  const existing = await tx
    .selectFrom('merge_suggestions')
    .select(COLUMNS)
    .where('project_id', '=', projectId)
    .where('kind', '=', s.kind)
    .where('pair_low', '=', low)
    .where('pair_high', '=', high)
    .executeTakeFirstOrThrow();
  return { row: existing, created: false };
}

export async function lockSuggestion(tx: Tx, projectId: string, id: string): Promise<SuggestionRow | undefined> {
  return tx.selectFrom('merge_suggestions').select(COLUMNS).where('project_id', '=', projectId).where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function decideSuggestion(
  tx: Tx,
  projectId: string,
  id: string,
  decision: { status: 'approved' | 'rejected'; decidedBy: string; mergeId: string | null },
): Promise<SuggestionRow> {
  return tx
    .updateTable('merge_suggestions')
    .set({ status: decision.status, decided_by: decision.decidedBy, merge_id: decision.mergeId, decided_at: sql`now()` })
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
}

export async function selectSuggestions(
  db: Db,
  projectId: string,
  filter: { status?: string; contactId?: string },
  page: { after: string | null; limit: number },
): Promise<SuggestionRow[]> {
  let query = db.selectFrom('merge_suggestions').select(COLUMNS).where('project_id', '=', projectId).orderBy('id', 'desc').limit(page.limit);
  if (filter.status) query = query.where('status', '=', filter.status as SuggestionRow['status']);
  if (filter.contactId) query = query.where((eb) => eb.or([eb('from_contact_id', '=', filter.contactId!), eb('to_contact_id', '=', filter.contactId!)]));
  if (page.after) query = query.where('id', '<', page.after);
  return query.execute();
}
