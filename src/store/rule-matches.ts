import { sql, type RawBuilder } from 'kysely';
import { variableName, type KeyGroup, type RuleField } from '../domain/merge-rules.js';
import type { Db, Tx } from './database.js';
import type { MergeRuleRow } from './merge-rules.js';
import { textArray } from './sql.js';
import { variableKey, variableValue } from './variable-indexes.js';

// docs/rules.md merge rules and their matches. A contact's match keys under a rule are the combinations of its
// normalized values of the rule's fields (phone and e-mail also from its alternates). They are not
// stored: contacts are found by the indexes their fields already have (phone, e-mail, external_id,
// alternates by value) and, for `variables.<name>`, by an index of the value's md5 made when the first
// rule reading that variable is created. So writing a contact, importing a million or merging two costs no
// key rows at all; the bulk dedupe is one GROUP BY per rule over the same values.
// Stored values are normalized on write (E.164, lower-cased e-mail); variables are trimmed here, in the
// same expression as their index.

// ---- the values of a field, and who holds a value ----------------------------------------------------

/** The values field `field` gives contact `c` (a set: phones and e-mails also come from alternates). */
function valuesOf(field: RuleField, c: string): RawBuilder<unknown> {
  const variable = variableName(field);
  const alias = sql.raw(c);
  if (variable !== null) return sql`(SELECT v FROM (SELECT ${variableValue(c, variable)} AS v) s WHERE v IS NOT NULL)`;
  if (field === 'external_id') return sql`(SELECT ${alias}.external_id AS v WHERE ${alias}.external_id IS NOT NULL)`;
  return sql`(
    SELECT ${alias}.${sql.ref(field)} AS v WHERE ${alias}.${sql.ref(field)} IS NOT NULL
    UNION
    SELECT a.value FROM contact_alternates a WHERE a.project_id = ${alias}.project_id AND a.contact_id = ${alias}.id AND a.kind = ${field}
  )`;
}

/** Active contacts that hold `value` in `field`, by index: the field's own, or the alternates' by value. */
function holdersOf(projectId: string, field: RuleField, value: RawBuilder<unknown>): RawBuilder<unknown> {
  const variable = variableName(field);
  if (variable !== null) {
    return sql`
      SELECT h.id FROM contacts h
      WHERE h.project_id = ${projectId} AND h.state = 'active' AND h.variables ? ${sql.lit(variable)}
        AND ${variableKey('h', variable)} = md5(${value}) AND ${variableValue('h', variable)} = ${value}`;
  }
  const own = sql`SELECT h.id FROM contacts h WHERE h.project_id = ${projectId} AND h.state = 'active' AND h.${sql.ref(field)} = ${value}`;
  if (field === 'external_id') return own;
  return sql`${own}
    UNION
    SELECT a.contact_id FROM contact_alternates a JOIN contacts h ON h.project_id = a.project_id AND h.id = a.contact_id AND h.state = 'active'
    WHERE a.project_id = ${projectId} AND a.kind = ${field} AND a.value = ${value}`;
}

/** One row per combination of contact `c`'s values under the rule: `vals`, in the rule's field order. */
function combinations(rule: MergeRuleRow): { vals: RawBuilder<string[]>; laterals: RawBuilder<unknown> } {
  return {
    vals: sql`ARRAY[${sql.join(rule.fields.map((_, i) => sql.raw(`f${i}.v`)))}]::text[]`,
    laterals: sql.join(
      rule.fields.map((field, i) => sql`CROSS JOIN LATERAL ${valuesOf(field, 'c')} AS ${sql.raw(`f${i}`)}`),
      sql` `,
    ),
  };
}

/** Active contacts holding every value of `vals` (a text[] expression) under the rule. */
function holdersOfAll(projectId: string, rule: MergeRuleRow, vals: RawBuilder<unknown>): RawBuilder<unknown> {
  // the lookup starts from phone, e-mail or external_id where the rule has one (a variable such as a plan
  // or a city may be shared by many), and checks the other fields on the contacts it finds
  const driver = Math.max(0, rule.fields.findIndex((field) => variableName(field) === null));
  const others = rule.fields.flatMap((field, i) => (i === driver ? [] : [sql`AND ${vals}[${sql.lit(i + 1)}] IN (SELECT v FROM ${valuesOf(field, 'o')} AS x)`]));
  return sql`
    SELECT o.id FROM contacts o
    WHERE o.project_id = ${projectId} AND o.id IN (${holdersOf(projectId, rule.fields[driver], sql`${vals}[${sql.lit(driver + 1)}]`)}) ${sql.join(others, sql` `)}`;
}

// ---- one contact's matches --------------------------------------------------------------------------

/**
 * Serializes rule runs that share a key: two contacts with the same phone created at the same moment
 * would otherwise each miss the other's uncommitted row. Taken in key order, held to the commit.
 */
export async function lockMatchKeys(tx: Tx, projectId: string, rules: MergeRuleRow[], contactId: string, blocked: string[]): Promise<void> {
  if (rules.length === 0) return;
  const keys = sql.join(
    rules.map((rule) => {
      const { vals, laterals } = combinations(rule);
      return sql`
        SELECT ${rule.id}::text || array_to_string(${vals}, chr(31)) AS key FROM contacts c ${laterals}
        WHERE c.project_id = ${projectId} AND c.id = ${contactId} AND NOT (${vals} && ${textArray(blocked)})`;
    }),
    sql` UNION ALL `,
  );
  await sql`
    SELECT count(pg_advisory_xact_lock(hashtextextended(${projectId}::text || key, 0)))
    FROM (SELECT key FROM (${keys}) k ORDER BY key) k
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
 * The keys of one contact and who else holds each: index probes per value. Keys with a blocked value are
 * skipped; keys held by more than `maxShared` contacts come back without `others`.
 */
export async function selectKeyMatches(tx: Tx, projectId: string, rules: MergeRuleRow[], contactId: string, guard: { blocked: string[]; maxShared: number }): Promise<KeyMatch[]> {
  if (rules.length === 0) return [];
  const perRule = sql.join(
    rules.map((rule) => {
      const { vals, laterals } = combinations(rule);
      return sql`
        SELECT ${rule.id}::uuid AS rule_id, k.vals, (SELECT count(*)::int FROM (${holdersOfAll(projectId, rule, sql`k.vals`)} LIMIT ${guard.maxShared + 1}) n) AS shared_by
        FROM (SELECT DISTINCT ${vals} AS vals FROM contacts c ${laterals} WHERE c.project_id = ${projectId} AND c.id = ${contactId} AND c.state = 'active') k
        WHERE NOT (k.vals && ${textArray(guard.blocked)})`;
    }),
    sql` UNION ALL `,
  );
  const others = sql.join(
    rules.map(
      (rule) => sql`WHEN ${rule.id}::uuid THEN ARRAY(SELECT id FROM (${holdersOfAll(projectId, rule, sql`m.vals`)}) h WHERE id <> ${contactId} ORDER BY id)`,
    ),
    sql` `,
  );
  const { rows } = await sql<KeyMatch>`
    SELECT m.rule_id, to_jsonb(m.vals) AS values, m.shared_by,
      CASE WHEN m.shared_by > ${guard.maxShared} THEN ARRAY[]::uuid[] ELSE (CASE m.rule_id ${others} END) END AS others
    FROM (${perRule}) m
    WHERE m.shared_by > 1
    ORDER BY m.rule_id, m.vals
  `.execute(tx);
  return rows;
}

// ---- the whole base at once -------------------------------------------------------------------------

/** Field `field`'s values of every active contact of the project, as rows (id, v). */
function allValuesOf(projectId: string, field: RuleField): RawBuilder<unknown> {
  const variable = variableName(field);
  const active = sql`c.project_id = ${projectId} AND c.state = 'active'`;
  if (variable !== null) {
    return sql`SELECT c.id, ${variableValue('c', variable)} AS v FROM contacts c WHERE ${active} AND c.variables ? ${sql.lit(variable)} AND ${variableValue('c', variable)} IS NOT NULL`;
  }
  const own = sql`SELECT c.id, c.${sql.ref(field)} AS v FROM contacts c WHERE ${active} AND c.${sql.ref(field)} IS NOT NULL`;
  if (field === 'external_id') return own;
  return sql`${own}
    UNION
    SELECT a.contact_id, a.value FROM contact_alternates a JOIN contacts c ON c.project_id = a.project_id AND c.id = a.contact_id
    WHERE ${active} AND a.project_id = ${projectId} AND a.kind = ${field}`;
}

/** Every active contact's keys under the rule, as rows (id, vals): the fields' values joined on the contact. */
function allKeysOf(projectId: string, rule: MergeRuleRow): RawBuilder<unknown> {
  const [first, ...rest] = rule.fields;
  const joins = rest.map((field, i) => sql`JOIN (${allValuesOf(projectId, field)}) ${sql.raw(`f${i + 1}`)} ON ${sql.raw(`f${i + 1}`)}.id = f0.id`);
  const vals = sql.join(rule.fields.map((_, i) => sql.raw(`f${i}.v`)));
  return sql`SELECT f0.id, ARRAY[${vals}]::text[] AS vals FROM (${allValuesOf(projectId, first)}) f0 ${sql.join(joins, sql` `)}`;
}

/** Keys held by more than `minimum` active contacts, per rule, without blocked values; with their holders' ids or only how many. */
function sharedKeys(projectId: string, rules: MergeRuleRow[], blocked: string[], minimum: number, withIds: boolean): RawBuilder<unknown> {
  return sql.join(
    rules.map(
      (rule) => sql`
        SELECT ${rule.id}::uuid AS rule_id, k.vals, count(*)::int AS contacts, ${withIds ? sql`array_agg(k.id ORDER BY k.id)` : sql`NULL::uuid[]`} AS contact_ids
        FROM (${allKeysOf(projectId, rule)}) k
        WHERE NOT (k.vals && ${textArray(blocked)})
        GROUP BY k.vals
        HAVING count(*) > ${minimum}`,
    ),
    sql` UNION ALL `,
  );
}

/**
 * After a bulk load: fresh planner statistics, so the dedupe's per-batch lookups by id probe the primary
 * keys instead of reading the whole project (they did, at a million rows).
 */
export async function analyzeContactTables(db: Db | Tx): Promise<void> {
  await sql`ANALYZE contacts, contact_alternates`.execute(db);
}

/** Every key held by two contacts or more: the bulk dedupe's input, one GROUP BY per rule. */
export async function selectSharedKeys(db: Db | Tx, projectId: string, rules: MergeRuleRow[], blocked: string[]): Promise<KeyGroup[]> {
  if (rules.length === 0) return [];
  const { rows } = await sql<KeyGroup>`
    SELECT rule_id, to_jsonb(vals) AS values, contact_ids FROM (${sharedKeys(projectId, rules, blocked, 1, true)}) g
  `.execute(db);
  return rows;
}

/** Values held by more than `maxShared` active contacts: not used for automatic merges (docs/rules.md). */
export async function selectWidelySharedKeys(db: Db, projectId: string, rules: MergeRuleRow[], guard: { blocked: string[]; maxShared: number }) {
  if (rules.length === 0) return [];
  const { rows } = await sql<{ rule_id: string; values: string[]; contacts: number }>`
    SELECT rule_id, to_jsonb(vals) AS values, contacts
    FROM (${sharedKeys(projectId, rules, guard.blocked, guard.maxShared, false)}) g
    ORDER BY contacts DESC, rule_id, vals
    LIMIT 1000
  `.execute(db);
  return rows;
}
