import { sql } from 'kysely';
import type { Db, Tx } from './database.js';

// Likely duplicates (docs/likely-duplicates.md): the candidates, found through the blocking indexes of
// migration 014 and contacts_by_phone; the scoring is the domain's.

export interface LikelyRow {
  id: string;
  name: string | null;
  phone: string | null;
  email: string | null;
  variables: Record<string, unknown>;
  created_at: Date;
}

export interface CandidateProbe {
  id: string;
  name: string | null;
  phone: string | null;
  email: string | null;
  /** phones one digit or one adjacent swap away */
  phoneNeighbours: string[];
  /** whether to probe by the name's Latin skeleton (only a contact with variables can gain from it) */
  byName: boolean;
}

/**
 * Active contacts of the project that share a blocking key with the probe: a phone one edit away or with
 * the same last 7 digits, the same e-mail local part, the same name in Latin letters. Each probe is an
 * index scan, at most `perKey` contacts each.
 */
export async function selectCandidateIds(tx: Tx, projectId: string, probe: CandidateProbe, perKey: number): Promise<string[]> {
  const parts = [];
  const active = sql`project_id = ${projectId} AND state = 'active' AND id <> ${probe.id}`;
  if (probe.phone) {
    parts.push(sql`(SELECT id FROM contacts WHERE ${active} AND phone = ANY(${[probe.phone, ...probe.phoneNeighbours]}::text[]) LIMIT ${perKey})`);
    parts.push(sql`(SELECT id FROM contacts WHERE ${active} AND phone IS NOT NULL AND right(phone, 7) = right(${probe.phone}::text, 7) LIMIT ${perKey})`);
  }
  if (probe.email) {
    parts.push(sql`(SELECT id FROM contacts WHERE ${active} AND email IS NOT NULL AND omnimerge_email_key(email) = omnimerge_email_key(${probe.email}::text) LIMIT ${perKey})`);
  }
  if (probe.name && probe.byName) {
    parts.push(sql`(SELECT id FROM contacts WHERE ${active} AND name IS NOT NULL AND omnimerge_name_key(name) = omnimerge_name_key(${probe.name}::text) LIMIT ${perKey})`);
  }
  if (parts.length === 0) return [];
  const { rows } = await sql<{ id: string }>`${sql.join(parts, sql` UNION `)}`.execute(tx);
  return rows.map((r) => r.id);
}

/** The fields the score compares, of active contacts among `ids`. */
export async function selectLikelyRows(db: Db | Tx, projectId: string, ids: string[]): Promise<LikelyRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('contacts')
    .select(['id', 'name', 'phone', 'email', 'variables', 'created_at'])
    .where('project_id', '=', projectId)
    .where('state', '=', 'active')
    .where('id', '=', sql<string>`ANY(${ids}::uuid[])`)
    .execute();
}

/** The contacts of `ids` whose pair with `contactId` an operator rejected as likely duplicates. */
export async function selectRejectedPartners(db: Db | Tx, projectId: string, contactId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('merge_suggestions')
    .select(['pair_low', 'pair_high'])
    .where('project_id', '=', projectId)
    .where('kind', '=', 'likely')
    .where('status', '=', 'rejected')
    .where((eb) =>
      eb.or([
        eb.and([eb('pair_low', '=', contactId), eb('pair_high', '=', sql<string>`ANY(${ids}::uuid[])`)]),
        eb.and([eb('pair_high', '=', contactId), eb('pair_low', '=', sql<string>`ANY(${ids}::uuid[])`)]),
      ]),
    )
    .execute();
  return new Set(rows.map((r) => (r.pair_low === contactId ? r.pair_high : r.pair_low)));
}

/** Pairs of the project already suggested as likely duplicates (any status), as `low|high`. */
export async function selectSuggestedPairs(db: Db, projectId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('merge_suggestions')
    .select(['pair_low', 'pair_high'])
    .where('project_id', '=', projectId)
    .where('kind', '=', 'likely')
    .execute();
  return new Set(rows.map((r) => `${r.pair_low}|${r.pair_high}`));
}

export interface BlockingGroup {
  ids: string[];
}

export type BlockingKey = 'email' | 'phone_last7' | 'phone_one_edit' | 'name_and_variable';

/**
 * The whole base grouped by one blocking key, set-based: groups of 2 to `maxGroup` active contacts (a
 * larger group, such as one office phone or `info@`, says little and is counted in `skipped`).
 */
export async function selectBlockingGroups(db: Db, projectId: string, key: BlockingKey, maxGroup: number): Promise<{ groups: string[][]; skipped: number }> {
  const query = {
    email: sql`SELECT count(*)::int AS n, array_agg(id)::text[] AS ids FROM contacts
      WHERE project_id = ${projectId} AND state = 'active' AND email IS NOT NULL
      GROUP BY omnimerge_email_key(email) HAVING count(*) > 1`,
    phone_last7: sql`SELECT count(*)::int AS n, array_agg(id)::text[] AS ids FROM contacts
      WHERE project_id = ${projectId} AND state = 'active' AND phone IS NOT NULL
      GROUP BY right(phone, 7) HAVING count(*) > 1`,
    // deleting one digit in turn: two phones one digit apart, or with two adjacent digits swapped, share a key
    phone_one_edit: sql`SELECT count(DISTINCT c.id)::int AS n, array_agg(DISTINCT c.id)::text[] AS ids
      FROM contacts c CROSS JOIN LATERAL generate_series(2, length(c.phone)) AS i
      WHERE c.project_id = ${projectId} AND c.state = 'active' AND c.phone IS NOT NULL
      GROUP BY left(c.phone, i - 1) || substr(c.phone, i + 1) HAVING count(DISTINCT c.id) > 1`,
    name_and_variable: sql`SELECT count(*)::int AS n, array_agg(c.id)::text[] AS ids
      FROM contacts c CROSS JOIN LATERAL jsonb_each_text(c.variables) AS v
      WHERE c.project_id = ${projectId} AND c.state = 'active' AND c.name IS NOT NULL AND btrim(v.value) <> ''
      GROUP BY omnimerge_name_key(c.name), v.key, lower(btrim(v.value)) HAVING count(*) > 1`,
  }[key];
  const { rows } = await sql<{ n: number; ids: string[] }>`${query}`.execute(db);
  const groups: string[][] = [];
  let skipped = 0;
  for (const row of rows) {
    if (row.n > maxGroup) skipped++;
    else groups.push(row.ids);
  }
  return { groups, skipped };
}
