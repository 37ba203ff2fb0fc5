import { blockedForms } from '../../domain/merge-rules.js';
import type { Settings } from '../../domain/settings.js';
import type { Tx } from '../../store/database.js';
import { selectRules, type MergeRuleRow } from '../../store/merge-rules.js';
import { lockMatchKeys, selectKeyMatches, type KeyMatch } from '../../store/rule-matches.js';
import { selectSettings } from '../../store/projects.js';
import { mergeContacts } from '../merge-contacts.js';
import { suggestMerge } from './suggest-merge.js';

/** What the rules did for one changed contact (docs/rules.md), returned with the contact. */
export interface RuleOutcome {
  /** the contact that holds the person now: the changed one, or the older contact it was merged into */
  contact_id: string;
  merged: Array<{ merge_id: string; from_contact_id: string; to_contact_id: string; rule_id: string; values: string[] }>;
  suggested: Array<{ suggestion_id: string; from_contact_id: string; to_contact_id: string; rule_id: string; values: string[]; created: boolean }>;
  /** values held by more than max_shared contacts: not used to merge, reported for an operator */
  shared_values: Array<{ rule_id: string; values: string[]; contacts: number }>;
}

/** Whether the rules did or reported anything: answers carry `rules` only then. */
export function ruleOutcomeMatters(outcome: RuleOutcome): boolean {
  return outcome.merged.length + outcome.suggested.length + outcome.shared_values.length > 0;
}

/** A chain can grow the survivor's values (alternates) and so its matches; this bounds the rounds. */
const MAX_ROUNDS = 10;

/**
 * docs/rules.md: run the merge rules for a contact whose fields changed, inside the caller's transaction.
 * Auto mode merges every match into the oldest contact through the merge engine (reason `rule:<id>`),
 * again from the survivor until nothing new matches, so chains end as one contact; manual mode leaves
 * one suggestion per pair. Idempotent: a second run finds nothing new.
 */
export async function applyRules(tx: Tx, projectId: string, contactId: string, settings?: Settings, untrusted?: UntrustedFields): Promise<RuleOutcome> {
  const outcome: RuleOutcome = { contact_id: contactId, merged: [], suggested: [], shared_values: [] };
  const rules = await selectRules(tx, projectId);
  if (rules.length === 0) return outcome;
  const current = settings ?? (await selectSettings(tx, projectId));
  const guard = { blocked: blockedForms(current.blocked_values, current.default_region), maxShared: current.max_shared };

  for (let round = 0; round < MAX_ROUNDS; round++) {
    await lockMatchKeys(tx, projectId, rules, outcome.contact_id, guard.blocked);
    const matches = await selectKeyMatches(tx, projectId, rules, outcome.contact_id, guard);
    reportShared(outcome, matches);
    const others = firstEvidence(matches);
    if (others.size === 0) break;
    if (current.merge_mode === 'manual') {
      await suggestAll(tx, projectId, outcome, others, rules, untrusted);
      break;
    }
    // a match that rests on a field nobody vouched for (an unsigned invite, a plain start parameter)
    // is only suggested: whoever types a payload must not take over another person's contact
    const vouched = new Map([...others].filter(([, evidence]) => !restsOn(untrusted, fieldsOf(rules, evidence.rule_id))));
    const suggested = new Set(outcome.suggested.flatMap((s) => [s.from_contact_id, s.to_contact_id]));
    const doubtful = new Map([...others].filter(([id]) => !vouched.has(id) && !suggested.has(id)));
    if (doubtful.size > 0) await suggestAll(tx, projectId, outcome, doubtful, rules, untrusted);
    if (vouched.size === 0) break;
    await mergeAll(tx, projectId, outcome, vouched, rules);
  }
  return outcome;
}

/** Fields whose values arrived without a signature, and how (docs/links.md). */
export interface UntrustedFields {
  source: string;
  fields: string[];
}

const restsOn = (untrusted: UntrustedFields | undefined, fields: string[]) => untrusted !== undefined && fields.some((f) => untrusted.fields.includes(f));

/** Each other contact with the first key that ties it to this one. */
function firstEvidence(matches: KeyMatch[]): Map<string, { rule_id: string; values: string[] }> {
  const others = new Map<string, { rule_id: string; values: string[] }>();
  for (const match of matches) {
    for (const id of match.others) if (!others.has(id)) others.set(id, { rule_id: match.rule_id, values: match.values });
  }
  return others;
}

function reportShared(outcome: RuleOutcome, matches: KeyMatch[]): void {
  for (const m of matches) {
    if (m.others.length > 0 || outcome.shared_values.some((s) => s.rule_id === m.rule_id && sameValues(s.values, m.values))) continue;
    outcome.shared_values.push({ rule_id: m.rule_id, values: m.values, contacts: m.shared_by });
  }
}

const fieldsOf = (rules: MergeRuleRow[], ruleId: string) => rules.find((r) => r.id === ruleId)?.fields ?? [];

const sameValues = (a: string[], b: string[]) => a.length === b.length && a.every((v, i) => v === b[i]);

async function mergeAll(tx: Tx, projectId: string, outcome: RuleOutcome, others: Map<string, { rule_id: string; values: string[] }>, rules: MergeRuleRow[]) {
  const ids = [outcome.contact_id, ...others.keys()].sort();
  const survivor = ids[0];
  for (const fromId of ids.slice(1)) {
    // the changed contact itself may be the newer one: then it is merged into the oldest match
    const evidence = others.get(fromId) ?? others.get(survivor)!;
    const merge = await mergeByRule(tx, projectId, { fromId, toId: survivor, ruleId: evidence.rule_id, fields: fieldsOf(rules, evidence.rule_id), values: evidence.values, actor: `rule:${evidence.rule_id}` });
    outcome.merged.push({ merge_id: merge.merge_id, from_contact_id: fromId, to_contact_id: survivor, rule_id: evidence.rule_id, values: evidence.values });
  }
  outcome.contact_id = survivor;
}

/**
 * One merge a rule found, through the merge engine with reason `rule:<id>`, with a history entry that says
 * which rule and which values matched (docs/rules.md).
 */
export async function mergeByRule(
  tx: Tx,
  projectId: string,
  match: { fromId: string; toId: string; ruleId: string; fields: string[]; values: string[]; actor: string },
): Promise<{ merge_id: string }> {
  const rule = { rule_id: match.ruleId, fields: match.fields, values: match.values };
  const merge = await mergeContacts(tx, projectId, { fromId: match.fromId, toId: match.toId, reason: `rule:${match.ruleId}`, actor: match.actor, rule });
  return { merge_id: merge.merge_id! };
}

async function suggestAll(
  tx: Tx,
  projectId: string,
  outcome: RuleOutcome,
  others: Map<string, { rule_id: string; values: string[] }>,
  rules: MergeRuleRow[],
  untrusted?: UntrustedFields,
) {
  for (const [otherId, evidence] of others) {
    // the newer contact goes into the older one, as an automatic merge would do
    const [toId, fromId] = [outcome.contact_id, otherId].sort();
    const { suggestion, created } = await suggestMerge(tx, projectId, {
      kind: 'rule',
      fromId,
      toId,
      reason: `rule:${evidence.rule_id}`,
      evidence: {
        rule_id: evidence.rule_id,
        fields: fieldsOf(rules, evidence.rule_id),
        values: evidence.values,
        ...(restsOn(untrusted, fieldsOf(rules, evidence.rule_id)) ? { untrusted: { source: untrusted!.source, fields: untrusted!.fields } } : {}),
      },
    });
    outcome.suggested.push({ suggestion_id: suggestion.id, from_contact_id: fromId, to_contact_id: toId, rule_id: evidence.rule_id, values: evidence.values, created });
  }
}
