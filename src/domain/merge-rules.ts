import { DomainError } from './errors.js';
import { normalizeEmail, normalizePhone } from './normalize.js';

// docs/rules.md: a merge rule is a list of fields; contacts equal on every field of a rule are one person.
// Fields in a rule are AND-ed, rules are OR-ed. This file is the pure part: which fields exist, which
// values are blocked, and how contacts that share match keys fall into clusters.

export type RuleField = 'phone' | 'email' | 'external_id' | `variables.${string}`;

const VARIABLE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_\-]{0,99}$/;
const MAX_FIELDS = 8;

/** Checks a rule's fields as a caller wrote them: known names, at least one, no repeats. */
export function parseRuleFields(fields: string[]): RuleField[] {
  if (fields.length === 0) throw new DomainError('invalid_rule', 'a rule needs at least one field: phone, email, external_id or variables.<name>');
  if (fields.length > MAX_FIELDS) throw new DomainError('invalid_rule', `a rule has at most ${MAX_FIELDS} fields, not ${fields.length}`);
  const seen = new Set<string>();
  for (const field of fields) {
    if (!isRuleField(field)) {
      throw new DomainError('invalid_rule', `"${field}" is not a rule field; use phone, email, external_id or variables.<name> (letters, digits, _ and -)`);
    }
    if (seen.has(field)) throw new DomainError('invalid_rule', `"${field}" appears twice in the rule; list each field once`);
    seen.add(field);
  }
  return fields as RuleField[];
}

export function isRuleField(field: string): field is RuleField {
  if (field === 'phone' || field === 'email' || field === 'external_id') return true;
  return field.startsWith('variables.') && VARIABLE_NAME.test(field.slice('variables.'.length));
}

/** The name of the variable a `variables.<name>` field reads; null for the other fields. */
export function variableName(field: RuleField): string | null {
  return field.startsWith('variables.') ? field.slice('variables.'.length) : null;
}

/**
 * The blocked values as stored values look: each one as written (trimmed), as an e-mail and as a phone
 * of the project's region, so `TEST@test.com ` blocks `test@test.com` and `8 900 000-00-00` blocks its E.164.
 */
export function blockedForms(blockedValues: string[], defaultRegion: string | null): string[] {
  const forms = new Set<string>();
  for (const value of blockedValues) {
    const text = value.trim();
    if (text === '') continue;
    forms.add(text);
    const email = normalizeEmail(text);
    if (email) forms.add(email);
    const phone = normalizePhone(text, defaultRegion);
    if (phone) forms.add(phone);
  }
  return [...forms];
}

/** Contacts that share one match key of one rule. */
export interface KeyGroup {
  rule_id: string;
  /** the rule's field values the contacts share, in the rule's field order */
  values: string[];
  contact_ids: string[];
}

export interface Cluster {
  /** the oldest contact (ids are time-ordered): the others are merged into it */
  survivor: string;
  /** the others, each with the group that tied it to the cluster */
  members: Array<{ contact_id: string; rule_id: string; values: string[] }>;
}

/**
 * Connected components of contacts over the groups they share (docs/rules.md: chains such as A~B by phone,
 * B~C by e-mail end as one contact). Groups larger than `maxShared` are left out: a value that many
 * contacts share is not evidence of one person.
 */
export function clusterGroups(groups: KeyGroup[], maxShared: number): Cluster[] {
  const parent = new Map<string, string>();
  const find = (id: string): string => {
    let root = id;
    while (parent.get(root) !== root) root = parent.get(root)!;
    for (let node = id; node !== root; ) {
      const next = parent.get(node)!;
      parent.set(node, root);
      node = next;
    }
    return root;
  };
  const union = (a: string, b: string) => {
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) return;
    // the smaller id stays the root, so a cluster's root is its oldest contact
    if (ra < rb) parent.set(rb, ra);
    else parent.set(ra, rb);
  };
  const evidence = new Map<string, { rule_id: string; values: string[] }>();
  for (const group of groups) {
    if (group.contact_ids.length < 2 || group.contact_ids.length > maxShared) continue;
    for (const id of group.contact_ids) {
      if (!parent.has(id)) parent.set(id, id);
      if (!evidence.has(id)) evidence.set(id, { rule_id: group.rule_id, values: group.values });
    }
    for (const id of group.contact_ids.slice(1)) union(group.contact_ids[0], id);
  }
  const clusters = new Map<string, Cluster>();
  for (const id of [...parent.keys()].sort()) {
    const root = find(id);
    let cluster = clusters.get(root);
    if (!cluster) clusters.set(root, (cluster = { survivor: root, members: [] }));
    if (id !== root) cluster.members.push({ contact_id: id, ...evidence.get(id)! });
  }
  return [...clusters.values()].filter((c) => c.members.length > 0);
}
