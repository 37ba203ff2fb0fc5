import type { Alternates, ContactValues, MergePlan } from './merge-policy.js';

// The records one merge leaves (docs/merging.md), built in one place for every way a merge is made — the
// API, a link, a rule, an approved suggestion, the bulk dedupe: the merge record, the contact's history
// entries, the contact.merged event and the changes to FROM and TO. The store writes them set-based, so one
// merge and ten thousand take the same statements; the rows a merge moves are journaled by the store as it
// moves them (store/merge-journal.ts).

export interface MergeCounts {
  identities: number;
  conversations: number;
  conversations_joined: number;
  messages: number;
  attachments: number;
  contact_events: number;
  conversation_events: number;
  notes: number;
  references: number;
  scheduled_messages_deleted: number;
  tags_added: number;
  alternates_added: number;
}

/** The rows a merge moved, counted by the store as it moves them. */
export type MovedRows = Omit<MergeCounts, 'tags_added' | 'alternates_added'>;

/** What a merge of contacts that own nothing but their fields moves. */
export const NOTHING_MOVED: MovedRows = {
  identities: 0, conversations: 0, conversations_joined: 0, messages: 0, attachments: 0, contact_events: 0,
  conversation_events: 0, notes: 0, references: 0, scheduled_messages_deleted: 0,
};

/** An entry of a contact's history (GET /v1/contacts/{id}/history). */
export interface HistoryEntry {
  id: string;
  kind: string;
  contactId: string;
  otherContactId: string | null;
  data: Record<string, unknown>;
}

/** The rule and values that made a merge (docs/rules.md), written beside it as a `rule_match` entry. */
export interface RuleEvidence {
  rule_id: string;
  fields: string[];
  values: string[];
}

export interface MergeRow {
  id: string;
  from_contact_id: string;
  to_contact_id: string;
  reason: string;
  actor: string;
  plan: MergePlan;
  moved: MergeCounts;
}

export interface MergeRecords {
  merge: MergeRow;
  history: HistoryEntry[];
  events: Array<{ type: 'contact.merged'; contactId: string; data: Record<string, unknown> }>;
  /** FROM: merged into TO */
  merged: { id: string; survivor: string };
  /** TO's values after the merge */
  values: ContactValues & { id: string };
  alternates: Array<{ contact_id: string; merge_id: string; alternates: Alternates }>;
  tags: Array<{ contact_id: string; tag: string }>;
}

export interface MergeFacts {
  mergeId: string;
  plan: MergePlan;
  reason: string;
  actor: string;
  /** what the store moved (NOTHING_MOVED when FROM owns only its fields); tags and alternates come from the plan */
  moved: MovedRows;
  rule?: RuleEvidence;
}

/** Everything one merge of FROM into TO writes besides the rows it moves; `newId` names the history entries. */
export function mergeRecords({ mergeId, plan, reason, actor, moved: rows, rule }: MergeFacts, newId: () => string): MergeRecords {
  const from = plan.from_contact_id;
  const to = plan.to_contact_id;
  const moved: MergeCounts = {
    ...rows,
    tags_added: plan.tags_added.length,
    alternates_added: plan.alternates_added.phones.length + plan.alternates_added.emails.length,
  };
  const record = { merge_id: mergeId, from_contact_id: from, to_contact_id: to, reason, actor, moved, ...(plan.fields ? { fields: plan.fields } : {}) };
  const history: HistoryEntry[] = [{ id: newId(), kind: 'merge', contactId: to, otherContactId: from, data: record }];
  if (rule) {
    history.push({ id: newId(), kind: 'rule_match', contactId: to, otherContactId: from, data: { ...rule, merge_id: mergeId } });
  }
  return {
    merge: { id: mergeId, from_contact_id: from, to_contact_id: to, reason, actor, plan, moved: { ...moved } },
    history,
    events: [{ type: 'contact.merged', contactId: to, data: record }],
    merged: { id: from, survivor: to },
    values: { id: to, ...plan.after },
    alternates: [{ contact_id: to, merge_id: mergeId, alternates: plan.alternates_added }],
    tags: plan.tags_added.map((tag) => ({ contact_id: to, tag })),
  };
}
