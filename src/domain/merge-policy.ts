import { isDeepStrictEqual } from 'node:util';
import { DomainError } from './errors.js';

// docs/merging.md as data: given FROM and TO, what wins and what moves. No I/O here; the store turns a plan into
// set-based SQL and keeps the plan as the merge's journal, from which `revertContact` computes an undo.

export interface MergeConversation {
  id: string;
  bot_id: string;
  channel: string;
  /** fixed-width UTC ISO text (`2026-01-02T03:04:05.678901Z`), so text order is time order */
  last_message_at: string | null;
}

export interface ContactValues {
  /** absent in plans journaled before merges chose names: such a merge never touched the name */
  name?: string | null;
  phone: string | null;
  email: string | null;
  external_id: string | null;
  variables: Record<string, unknown>;
  preferences: Record<string, unknown>;
}

export interface MergeSide extends ContactValues {
  id: string;
  name: string | null;
  tags: string[];
  alternates: Alternates;
  conversations: MergeConversation[];
}

export interface Alternates {
  phones: string[];
  emails: string[];
}

export interface ConversationJoin {
  /** FROM's conversation, emptied into `into` and then dropped */
  from: string;
  /** TO's conversation on the same bot */
  into: string;
}

export interface MergePlan {
  from_contact_id: string;
  to_contact_id: string;
  /** TO's values before and after; FROM keeps everything but phone and e-mail, which it gives up */
  before: { to: ContactValues; from: { phone: string | null; email: string | null } };
  after: ContactValues;
  /** values TO did not have that it now keeps as secondary phones and e-mails */
  alternates_added: Alternates;
  tags_added: string[];
  /** FROM's conversations that TO takes over as they are */
  conversations_moved: string[];
  conversations_joined: ConversationJoin[];
  /** TO's conversations that received messages: their last activity before and after */
  conversations_bumped: Array<{ id: string; from: string | null; to: string | null }>;
  /** the operator's per-field choice this merge followed (empty: the default policy) */
  fields?: FieldChoice;
}

/** `name`, `phone`, `email`, `external_id` or `variables.<key>` → which side's value the survivor keeps. */
export type FieldChoice = Record<string, 'from' | 'to'>;

const CHOOSABLE = new Set(['name', 'phone', 'email', 'external_id']);

/**
 * Refuses a choice the merge cannot follow: a field that is not choosable, a variable neither side has, a side
 * other than `from` or `to`.
 */
export function checkFieldChoice(from: MergeSide, to: MergeSide, fields: FieldChoice): void {
  for (const [field, side] of Object.entries(fields)) {
    if (side !== 'from' && side !== 'to') {
      throw new DomainError('unknown_merge_field', `fields.${field} is "${String(side)}"; choose "from" or "to"`);
    }
    if (CHOOSABLE.has(field)) continue;
    if (field.startsWith('variables.')) {
      const key = field.slice('variables.'.length);
      if (Object.hasOwn(from.variables, key) || Object.hasOwn(to.variables, key)) continue;
      throw new DomainError('unknown_merge_field', `fields.${field}: neither contact has the variable "${key}"; choose among the variables they have`);
    }
    throw new DomainError('unknown_merge_field', `fields.${field} cannot be chosen; choose name, phone, email, external_id or variables.<key>`);
  }
}

/** Channels whose conversations always move whole, even when TO already has one on that bot. */
const ALWAYS_MOVED_CHANNELS = new Set(['email']);

/**
 * Whose phone and e-mail stay primary. docs/merging.md: FROM's where it has one. A link is the exception
 * (docs/links.md): the client arrives with what their messenger says (WhatsApp's wa_id), which becomes the known
 * contact's phone only where it has none.
 */
export type PrimaryValues = 'from' | 'to';

export function planMerge(from: MergeSide, to: MergeSide, primary: PrimaryValues = 'from', fields: FieldChoice = {}): MergePlan {
  if (from.id === to.id) throw new DomainError('merge_into_itself', `contact ${from.id} cannot be merged into itself; pick two different contacts`);
  checkFieldChoice(from, to, fields);
  const chosen = (field: string) => (fields[field] === 'from' ? from : fields[field] === 'to' ? to : undefined);

  // phone, e-mail: the primary side's where it has one; a value that loses its place is kept as an alternate.
  const [first, second] = primary === 'from' ? [from, to] : [to, from];
  const phone = chosen('phone') ? chosen('phone')!.phone : (first.phone ?? second.phone);
  const email = chosen('email') ? chosen('email')!.email : (first.email ?? second.email);
  const known = (kind: 'phones' | 'emails', primary: string | null) => new Set([...to.alternates[kind], ...(primary === null ? [] : [primary])]);
  const added = (kind: 'phones' | 'emails', primary: string | null, candidates: Array<string | null>) => {
    const have = known(kind, primary);
    return [...new Set(candidates.filter((v): v is string => v !== null && !have.has(v)))].sort();
  };

  const variables: Record<string, unknown> = { ...from.variables, ...to.variables };
  for (const [field, side] of Object.entries(fields)) {
    if (!field.startsWith('variables.')) continue;
    const key = field.slice('variables.'.length);
    const source = side === 'from' ? from.variables : to.variables;
    if (Object.hasOwn(source, key)) variables[key] = source[key];
    else delete variables[key];
  }
  const after: ContactValues = {
    name: chosen('name') ? chosen('name')!.name : to.name,
    phone,
    email,
    external_id: chosen('external_id') ? chosen('external_id')!.external_id : (to.external_id ?? from.external_id),
    variables,
    preferences: Object.keys(from.preferences).length > 0 ? from.preferences : to.preferences,
  };

  const { moved, joined, bumped } = planConversations(from.conversations, to.conversations);
  return {
    from_contact_id: from.id,
    to_contact_id: to.id,
    before: { to: valuesOf(to), from: { phone: from.phone, email: from.email } },
    after,
    alternates_added: {
      phones: added('phones', phone, [to.phone, from.phone, ...from.alternates.phones]),
      emails: added('emails', email, [to.email, from.email, ...from.alternates.emails]),
    },
    tags_added: from.tags.filter((t) => !to.tags.includes(t)).sort(),
    conversations_moved: moved,
    conversations_joined: joined,
    conversations_bumped: bumped,
    ...(Object.keys(fields).length > 0 ? { fields: { ...fields } } : {}),
  };
}

/**
 * E-mail conversations move to TO; on other channels a conversation moves when TO has none on that bot,
 * else its messages join TO's most recently active conversation there.
 */
function planConversations(fromConversations: MergeConversation[], toConversations: MergeConversation[]) {
  const target = new Map<string, MergeConversation>();
  for (const c of [...toConversations].sort(byRecentActivity).reverse()) target.set(c.bot_id, c);

  const moved: string[] = [];
  const joined: ConversationJoin[] = [];
  const bumped = new Map<string, { id: string; from: string | null; to: string | null }>();
  for (const c of fromConversations) {
    const into = ALWAYS_MOVED_CHANNELS.has(c.channel) ? undefined : target.get(c.bot_id);
    if (!into) {
      moved.push(c.id);
      continue;
    }
    joined.push({ from: c.id, into: into.id });
    const bump = bumped.get(into.id) ?? { id: into.id, from: into.last_message_at, to: into.last_message_at };
    bump.to = latest(bump.to, c.last_message_at);
    bumped.set(into.id, bump);
  }
  return { moved, joined, bumped: [...bumped.values()].filter((b) => b.to !== b.from) };
}

/** Timestamps are fixed-width UTC ISO text, so the later one is the greater string. */
function latest(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a >= b ? a : b;
}

/** Most recently active first (no activity last), then newest: the order inbound resolution picks a conversation by. */
function byRecentActivity(a: MergeConversation, b: MergeConversation): number {
  const at = (c: MergeConversation) => c.last_message_at ?? '';
  return at(a) < at(b) ? 1 : at(a) > at(b) ? -1 : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

function valuesOf(c: ContactValues): ContactValues {
  return { name: c.name ?? null, phone: c.phone, email: c.email, external_id: c.external_id, variables: c.variables, preferences: c.preferences };
}

/**
 * An undo of a merge on TO's values as they are now: a value the merge set and nobody changed since goes
 * back to what TO had; variables the merge filled in from FROM are removed unless changed since.
 */
export function revertContact(current: ContactValues, plan: Pick<MergePlan, 'before' | 'after'>): ContactValues {
  const { before, after } = plan;
  const back = <K extends 'name' | 'phone' | 'email' | 'external_id' | 'preferences'>(key: K): ContactValues[K] =>
    isDeepStrictEqual(current[key], after[key]) ? before.to[key] : current[key];
  // a plan journaled before merges chose names has none: its merge left the name alone
  const name = 'name' in after && 'name' in before.to ? { name: back('name') } : {};
  const variables = { ...current.variables };
  for (const key of Object.keys(after.variables)) {
    if (!isDeepStrictEqual(current.variables[key], after.variables[key])) continue;
    if (key in before.to.variables) variables[key] = before.to.variables[key];
    else delete variables[key];
  }
  // a variable of TO that the merge removed (the operator chose FROM's side, which had none) comes back
  for (const key of Object.keys(before.to.variables)) {
    if (!(key in after.variables) && !(key in current.variables)) variables[key] = before.to.variables[key];
  }
  return { ...name, phone: back('phone'), email: back('email'), external_id: back('external_id'), variables, preferences: back('preferences') };
}
