import type { RuleField } from '../domain/merge-rules.js';
import type { Db, Tx } from './database.js';
import { textArray } from './sql.js';
import { syncVariableIndexes } from './variable-indexes.js';

// merge_rules (docs/rules.md): a project's rules; a change of rules also changes the variable indexes.

export interface MergeRuleRow {
  id: string;
  fields: RuleField[];
  created_at: Date;
}

export async function insertRule(tx: Tx, projectId: string, rule: { id: string; fields: RuleField[] }): Promise<MergeRuleRow> {
  const row = (await tx
    .insertInto('merge_rules')
    .values({ project_id: projectId, id: rule.id, fields: textArray(rule.fields) })
    .returning(['id', 'fields', 'created_at'])
    .executeTakeFirstOrThrow()) as MergeRuleRow;
  await syncVariableIndexes(tx);
  return row;
}

export async function selectRules(db: Db | Tx, projectId: string): Promise<MergeRuleRow[]> {
  return (await db
    .selectFrom('merge_rules')
    .select(['id', 'fields', 'created_at'])
    .where('project_id', '=', projectId)
    .orderBy('id')
    .execute()) as MergeRuleRow[];
}

/** Deletes the rule (and the index of a variable no rule reads any more); false when there was no such rule. */
export async function deleteRule(tx: Tx, projectId: string, id: string): Promise<boolean> {
  const result = await tx.deleteFrom('merge_rules').where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
  if (result.numDeletedRows === 0n) return false;
  await syncVariableIndexes(tx);
  return true;
}
