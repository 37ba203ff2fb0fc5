import type { HistoryEntry } from '../api';
import { describeRule, fieldWords } from './rules';

// A contact's history in words (docs/ui.md): one line per event, names never ids. A merge made by a link or
// a rule is written twice by the service (the link or rule match, and the merge); the operator reads one.

export interface HistoryLine {
  key: string;
  /** the merge this line can undo, if it is one that still stands */
  mergeId: string | null;
  /** what happened, with the contacts it names; `link` marks a contact to link to */
  parts: Array<string | { contactId: string; name: string }>;
  /** who, why */
  detail: string[];
  at: string;
}

/** Who did it, in words: an operator or key by name; what the service did by itself, said so. */
export function actorWords(actor: string | undefined): string | null {
  if (!actor) return null;
  if (actor === 'api') return 'the API';
  if (actor.startsWith('link:')) return 'the client’s merge link';
  if (actor.startsWith('rule:')) return 'a merge rule';
  if (actor === 'dedupe') return 'a dedupe run';
  return actor;
}

function reasonWords(reason: string | undefined, ruleFields: string[] | null): string | null {
  if (!reason || reason === 'api') return null;
  if (reason === 'link') return 'through the client’s merge link';
  if (reason.startsWith('rule:')) return ruleFields ? `rule «${describeRule(ruleFields)}»` : 'a merge rule (since deleted)';
  if (reason.startsWith('suggestion:')) return 'approved suggestion';
  return reason;
}

const unnamed = 'a contact without a name';

/** The operator's per-field choice, said by what was taken from the merged-away contact. */
function keptWords(fields: Record<string, 'from' | 'to'> | undefined, fromName: string | null): string | null {
  const taken = Object.entries(fields ?? {}).filter(([, side]) => side === 'from').map(([field]) => (field === 'name' ? 'name' : fieldWords(field)));
  return taken.length === 0 ? null : `kept ${taken.join(', ')} of «${fromName ?? unnamed}»`;
}

export function historyLines(entries: HistoryEntry[], contactId: string): HistoryLine[] {
  // merges that a link or a rule match already tells of
  const told = new Map<string, HistoryEntry>();
  for (const e of entries) {
    if ((e.kind === 'link' || e.kind === 'rule_match') && e.data.merge_id) told.set(e.data.merge_id, e);
  }
  const undone = new Set(entries.filter((e) => e.kind === 'undo').map((e) => (e.kind === 'undo' ? e.data.merge_id : '')));
  const contact = (id: string | null, name: string | null) =>
    id === contactId ? 'this contact' : { contactId: id ?? '', name: name ?? unnamed };

  const lines: HistoryLine[] = [];
  for (const e of entries) {
    const other = contact(e.other_contact_id, e.other_contact_name);
    const self = contact(e.contact_id, e.contact_name);
    const line = { key: e.id, mergeId: null as string | null, at: e.created_at, detail: [] as string[] };
    switch (e.kind) {
      case 'merge': {
        const via = told.get(e.data.merge_id);
        const ruleFields = e.rule_fields ?? (via?.kind === 'rule_match' ? via.data.fields : null);
        lines.push({
          ...line,
          mergeId: undone.has(e.data.merge_id) ? null : e.data.merge_id,
          parts: ['Merged ', other, ' into ', self],
          // a link's or a rule's own merge needs no "by": the reason says it
          detail: [
            /^(link|rule):/.test(e.data.actor) ? null : `by ${actorWords(e.data.actor)}`,
            reasonWords(e.data.reason, ruleFields),
            keptWords(e.data.fields, e.other_contact_name),
          ].filter((d): d is string => !!d),
        });
        break;
      }
      case 'link':
        if (e.data.merge_id && entries.some((m) => m.kind === 'merge' && m.data.merge_id === e.data.merge_id)) break;
        lines.push({ ...line, parts: ['The client joined ', self, ' through a merge link'], detail: [] });
        break;
      case 'rule_match':
        if (e.data.merge_id && entries.some((m) => m.kind === 'merge' && m.data.merge_id === e.data.merge_id)) break;
        lines.push({ ...line, parts: ['A merge rule matched ', other, ' and ', self], detail: [`rule «${describeRule(e.data.fields)}»`] });
        break;
      case 'unmerge':
        lines.push({ ...line, parts: ['Unmerged an identity of ', self, ' into ', other], detail: [`by ${actorWords(e.data.actor)}`] });
        break;
      case 'undo':
        lines.push({ ...line, parts: ['Undid the merge of ', other, ' into ', self], detail: [`by ${actorWords(e.data.actor)}`] });
        break;
      case 'merge_suggested':
        lines.push({ ...line, parts: ['Suggested merging ', self, ' into ', other], detail: [reasonWords(e.data.reason, e.rule_fields) ?? ''].filter(Boolean) });
        break;
      case 'merge_rejected':
        lines.push({ ...line, parts: ['Rejected merging ', self, ' into ', other], detail: [`by ${actorWords(e.data.decided_by)}`] });
        break;
    }
  }
  return lines;
}
