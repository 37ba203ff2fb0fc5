import { DomainError } from '../domain/errors.js';
import { blockedForms, parseRuleFields } from '../domain/merge-rules.js';
import { newId } from '../ids.js';
import type { Db, Store } from '../store/database.js';
import { deleteRule, insertRule, selectRules, type MergeRuleRow } from '../store/merge-rules.js';
import { selectWidelySharedKeys } from '../store/rule-matches.js';
import { selectSettings } from '../store/projects.js';

// docs/rules.md, docs/api.md `GET/POST /v1/merge-rules`, `DELETE /v1/merge-rules/{id}`.

/**
 * A new rule (and the index of a variable it reads, the first time one does), matching from the next
 * change on; merging what it finds in the existing base is the bulk dedupe's job.
 */
export async function createMergeRule(store: Store, projectId: string, fields: string[]): Promise<MergeRuleRow> {
  const parsed = parseRuleFields(fields);
  return store.transaction(async (tx) => {
    const existing = await selectRules(tx, projectId);
    const same = existing.find((r) => r.fields.length === parsed.length && [...r.fields].sort().join('\n') === [...parsed].sort().join('\n'));
    if (same) throw new DomainError('invalid_rule', `rule ${same.id} already has these fields`);
    return insertRule(tx, projectId, { id: newId(), fields: parsed });
  });
}

export async function listMergeRules(db: Db, projectId: string): Promise<{ items: MergeRuleRow[] }> {
  return { items: await selectRules(db, projectId) };
}

export async function deleteMergeRule(store: Store, projectId: string, id: string): Promise<void> {
  if (!(await store.transaction((tx) => deleteRule(tx, projectId, id)))) throw new DomainError('rule_not_found', `no merge rule ${id} in this project`);
}

/** Values too widely shared to merge on (more than max_shared active contacts), most shared first. */
export async function reportSharedValues(db: Db, projectId: string) {
  const settings = await selectSettings(db, projectId);
  const shared = await selectWidelySharedKeys(db, projectId, await selectRules(db, projectId), {
    blocked: blockedForms(settings.blocked_values, settings.default_region),
    maxShared: settings.max_shared,
  });
  return { max_shared: settings.max_shared, shared_values: shared };
}
