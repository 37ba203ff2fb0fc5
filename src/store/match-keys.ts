import { sql, type RawBuilder } from 'kysely';
import { variableName, type KeyGroup, type RuleField } from '../domain/merge-rules.js';
import type { Db, Tx } from './database.js';
import { recordset as recordsetOf, uuidArray } from './merge-journal.js';

// SPEC §5 merge rules and their match keys: per active contact and rule, one row per combination of the
// contact's normalized values (phone and e-mail also from its alternates). Stored values are normalized
// on write (E.164, lower-cased e-mail), variables are trimmed here.

export interface MergeRuleRow {
  id: string;
  fields: RuleField[];
  created_at: Date;
}

export async function insertRule(db: Db | Tx, projectId: string, rule: { id: string; fields: RuleField[] }): Promise<MergeRuleRow> {
  return (await db
    .insertInto('merge_rules')
    .values({ project_id: projectId, id: rule.id, fields: textArray(rule.fields) })
    .returning(['id', 'fields', 'created_at'])
    .executeTakeFirstOrThrow()) as MergeRuleRow;
}

export async function selectRules(db: Db | Tx, projectId: string): Promise<MergeRuleRow[]> {
  return (await db
    .selectFrom('merge_rules')
    .select(['id', 'fields', 'created_at'])
    .where('project_id', '=', projectId)
    .orderBy('id')
    .execute()) as MergeRuleRow[];
}

/** Deletes the rule and its keys; false when there was no such rule. */
export async function deleteRule(tx: Tx, projectId: string, id: string): Promise<boolean> {
  await tx.deleteFrom('contact_match_keys').where('project_id', '=', projectId).where('rule_id', '=', id).execute();
  const result = await tx.deleteFrom('merge_rules').where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export function textArray(values: readonly string[]): RawBuilder<string[]> {
  return sql<string[]>`ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;
}

/**
 * The values one field gives contact `c`: a set, since phones and e-mails also come from alternates
 * (`fresh` contacts, just imported, have none to look up).
 */
function fieldValues(field: RuleField, fresh: boolean): RawBuilder<unknown> {
  const variable = variableName(field);
  if (variable !== null) {
    return sql`(SELECT v FROM (SELECT nullif(btrim(c.variables ->> ${variable}), '') AS v) s WHERE v IS NOT NULL)`;
  }
  if (field === 'external_id' || fresh) return sql`(SELECT c.${sql.ref(field)} AS v WHERE c.${sql.ref(field)} IS NOT NULL)`;
  return sql`(
    SELECT c.${sql.ref(field)} AS v WHERE c.${sql.ref(field)} IS NOT NULL
    UNION
    SELECT a.value FROM contact_alternates a WHERE a.project_id = c.project_id AND a.contact_id = c.id AND a.kind = ${field}
  )`;
}

/**
 * Rewrites the keys of the given contacts (all of the project's when `contactIds` is null) for every
 * rule, set-based: one DELETE and one INSERT per rule. Merged contacts lose their keys.
 */
export async function refreshMatchKeys(tx: Tx | Db, projectId: string, rules: MergeRuleRow[], contactIds: readonly string[] | null): Promise<void> {
  const only = contactIds === null ? sql`` : sql`AND contact_id = ANY(${uuidArray(contactIds)})`;
  await sql`DELETE FROM contact_match_keys WHERE project_id = ${projectId} ${only}`.execute(tx);
  for (const rule of rules) await insertMatchKeys(tx, projectId, rule, { contactIds });
}

/** After a merge or its undo moved values between contacts: their keys again, when the project has rules. */
export async function refreshKeysOf(tx: Tx, projectId: string, contactIds: readonly string[]): Promise<void> {
  const rules = await selectRules(tx, projectId);
  if (rules.length > 0) await refreshMatchKeys(tx, projectId, rules, contactIds);
}

/** Whose keys to write: stored contacts (all, or some by id), or rows about to be imported, given whole. */
export type KeySource = { contactIds: readonly string[] | null } | { fresh: ReadonlyArray<{ id: string; phone: string | null; email: string | null; external_id: string | null; variables: Record<string, unknown> }> };

export async function insertMatchKeys(tx: Tx | Db, projectId: string, rule: MergeRuleRow, source: KeySource): Promise<void> {
  // fresh rows have no alternates and are read from the parameter, so no plan depends on table statistics
  // that a table filling up during an import does not have yet
  const fresh = 'fresh' in source;
  const values = sql.join(rule.fields.map((_, i) => sql.raw(`f${i}.v`)));
  const laterals = sql.join(
    rule.fields.map((field, i) => sql`CROSS JOIN LATERAL ${fieldValues(field, fresh)} AS ${sql.raw(`f${i}`)}`),
    sql` `,
  );
  const from = 'fresh' in source ? recordsetOf(source.fresh, 'c(id uuid, phone text, email text, external_id text, variables jsonb)') : sql`contacts c`;
  const where =
    'fresh' in source
      ? sql``
      : sql`WHERE c.project_id = ${projectId} AND c.state = 'active' ${source.contactIds === null ? sql`` : sql`AND c.id = ANY(${uuidArray(source.contactIds)})`}`;
  await sql`
    INSERT INTO contact_match_keys (project_id, rule_id, key, contact_id, vals)
    SELECT ${projectId}, ${rule.id}, md5(jsonb_build_array(${values})::text)::uuid, c.id, jsonb_build_array(${values})
    FROM ${from} ${laterals}
    ${where}
    ${fresh ? sql`` : sql`ON CONFLICT DO NOTHING`}
  `.execute(tx);
}

/**
 * Serializes rule runs that share a key: two contacts with the same phone created at the same moment
 * would otherwise each miss the other's uncommitted key. Taken in key order, held to the commit.
 */
export async function lockMatchKeys(tx: Tx, projectId: string, contactId: string): Promise<void> {
  await sql`
    SELECT count(pg_advisory_xact_lock(hashtextextended(project_id::text || rule_id::text || key, 0)))
    FROM (
      SELECT project_id, rule_id, key FROM contact_match_keys
      WHERE project_id = ${projectId} AND contact_id = ${contactId}
      ORDER BY rule_id, key
    ) k
  `.execute(tx);
}

export interface KeyMatch {
  rule_id: string;
  values: string[];
  /** how many active contacts hold the key, counted up to maxShared + 1 */
  shared_by: number;
  /** the other contacts with the key; empty when the key is shared too widely to be used */
  others: string[];
}

/**
 * The keys of one contact and who else holds each: index probes on (project_id, rule_id, key). Keys with
 * a blocked value are skipped; keys held by more than `maxShared` contacts come back without `others`.
 */
export async function selectKeyMatches(tx: Tx, projectId: string, contactId: string, guard: { blocked: string[]; maxShared: number }): Promise<KeyMatch[]> {
  const { rows } = await sql<KeyMatch>`
    SELECT k.rule_id, k.vals AS values, g.n AS shared_by,
      CASE WHEN g.n > ${guard.maxShared} THEN ARRAY[]::uuid[] ELSE ARRAY(
        SELECT o.contact_id FROM contact_match_keys o
        WHERE o.project_id = k.project_id AND o.rule_id = k.rule_id AND o.key = k.key AND o.contact_id <> k.contact_id
        ORDER BY o.contact_id
      ) END AS others
    FROM contact_match_keys k
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS n FROM (
        SELECT 1 FROM contact_match_keys s WHERE s.project_id = k.project_id AND s.rule_id = k.rule_id AND s.key = k.key
        LIMIT ${guard.maxShared + 1}
      ) x
    ) g
    WHERE k.project_id = ${projectId} AND k.contact_id = ${contactId} AND NOT (k.vals ?| ${textArray(guard.blocked)})
      AND g.n > 1
    ORDER BY k.rule_id, k.key
  `.execute(tx);
  return rows;
}

/**
 * After a bulk load or a rebuild of the keys: fresh planner statistics, so the dedupe's per-batch lookups
 * by id probe the primary keys instead of reading the whole project (they did, at a million rows).
 */
export async function analyzeMatchTables(db: Db | Tx): Promise<void> {
  await sql`ANALYZE contacts, contact_match_keys, contact_alternates`.execute(db);
}

/** Every key held by two contacts or more: the bulk dedupe's input, one GROUP BY over the index. */
export async function selectSharedKeys(db: Db | Tx, projectId: string, blocked: string[]): Promise<KeyGroup[]> {
  const { rows } = await sql<KeyGroup>`
    SELECT rule_id, min(vals::text)::jsonb AS values, array_agg(contact_id ORDER BY contact_id) AS contact_ids
    FROM contact_match_keys
    WHERE project_id = ${projectId} AND NOT (vals ?| ${textArray(blocked)})
    GROUP BY rule_id, key
    HAVING count(*) > 1
  `.execute(db);
  return rows;
}

/** Values held by more than `maxShared` active contacts: not used for automatic merges (SPEC §5). */
export async function selectWidelySharedKeys(db: Db, projectId: string, guard: { blocked: string[]; maxShared: number }) {
  const { rows } = await sql<{ rule_id: string; values: string[]; contacts: number }>`
    SELECT rule_id, min(vals::text)::jsonb AS values, count(*)::int AS contacts
    FROM contact_match_keys
    WHERE project_id = ${projectId} AND NOT (vals ?| ${textArray(guard.blocked)})
    GROUP BY rule_id, key
    HAVING count(*) > ${guard.maxShared}
    ORDER BY count(*) DESC, rule_id
    LIMIT 1000
  `.execute(db);
  return rows;
}
