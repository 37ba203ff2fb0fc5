import { DomainError } from '../domain/errors.js';
import { messagingWindow, recommendChannel, type Channel } from '../domain/channels.js';
import { normalizeEmail, normalizePhone } from '../domain/normalize.js';
import { selectContactList, type ContactListFilter, type ContactListRow, type ListAfter } from '../store/contact-list.js';
import type { ContactRow } from '../store/contacts.js';
import type { Db } from '../store/database.js';
import { selectSettings } from '../store/projects.js';
import { decodeCursor, type Page } from './views/page.js';

export interface ContactQuery {
  phone?: string;
  email?: string;
  external_id?: string;
  q?: string;
  /** only contacts with an identity on this channel */
  channel?: string;
  tag?: string;
  /** `open`: only contacts that may be written to now */
  window?: 'open';
  /** `last_activity`: most recently active first (else newest first) */
  sort?: 'last_activity';
  cursor?: string;
  limit?: number;
}

/** A contact as the list shows it: its messengers, last message, when it was last active, where to answer. */
export interface ContactListItem extends ContactRow {
  channels: Channel[];
  /** what its messengers call the contact, for one without a name of its own */
  messenger_name: string | null;
  last_message: { text: string | null; direction: 'in' | 'out'; at: Date; channel: Channel; attachments: string[] } | null;
  last_activity_at: Date | null;
  recommended_channel: Channel | null;
  window_open: boolean;
}

// A page sorted by activity continues after the last row's activity and id: `a:<activity>:<id>` (activity may be empty).
const ACTIVITY_CURSOR = /^a:(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z|):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

function decodeListCursor(cursor: string | undefined, byActivity: boolean): ListAfter | null {
  if (cursor === undefined || cursor === '') return null;
  if (!byActivity) {
    const id = decodeCursor(cursor);
    return id === null ? null : { kind: 'id', id };
  }
  const match = ACTIVITY_CURSOR.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  // a real time, to the millisecond as JavaScript reads it (the microseconds are the database's)
  const real = (at: string) => at === '' || (!Number.isNaN(Date.parse(`${at.slice(0, 23)}Z`)) && new Date(`${at.slice(0, 23)}Z`).toISOString().slice(0, 23) === at.slice(0, 23));
  if (!match || !real(match[1])) throw new DomainError('invalid_cursor', 'cursor is not one this API gave out for sort=last_activity; pass next_cursor from the previous page as it is');
  return { kind: 'activity', at: match[1] === '' ? null : match[1], id: match[2] };
}

function encodeListCursor(row: ContactListRow, byActivity: boolean): string {
  return Buffer.from(byActivity ? `a:${row.activity_key ?? ''}:${row.id}` : row.id, 'utf8').toString('base64url');
}

function listItem(row: ContactListRow, now: Date): ContactListItem {
  const { identities, activity_key: _key, last_message, ...contact } = row;
  const states = identities.map((i) => ({
    channel: i.channel as Channel,
    connected: i.bot_connected,
    lastInboundAt: i.last_inbound_at ? new Date(i.last_inbound_at) : null,
    subscribed: i.subscribed,
    unreachableAt: i.unreachable_at ? new Date(i.unreachable_at) : null,
  }));
  const connected = states.filter((s) => s.connected);
  const named = identities.find((i) => i.name) ?? identities.find((i) => i.username);
  return {
    ...contact,
    channels: [...new Set(states.map((s) => s.channel))],
    messenger_name: named ? (named.name ?? `@${named.username}`) : null,
    last_message: last_message ? { ...last_message, at: new Date(last_message.at), channel: last_message.channel as Channel } : null,
    recommended_channel: recommendChannel(connected, now),
    window_open: connected.some((s) => messagingWindow(s.channel, s, now).open),
  };
}

/**
 * Active contacts, newest first or most recently active first. A phone in any writing finds the contact: it is
 * normalized with the project's region as it was when stored; one that cannot be a phone finds nothing.
 */
export async function listContacts(db: Db, projectId: string, query: ContactQuery): Promise<Page<ContactListItem>> {
  const limit = query.limit ?? 50;
  const byActivity = query.sort === 'last_activity';
  const after = decodeListCursor(query.cursor, byActivity);
  const filter: ContactListFilter = {};
  if (query.phone !== undefined) {
    const settings = await selectSettings(db, projectId);
    const phone = normalizePhone(query.phone, settings.default_region);
    if (phone === null) return { items: [], next_cursor: null };
    filter.phone = phone;
  }
  if (query.email !== undefined) filter.email = normalizeEmail(query.email) ?? query.email.trim().toLowerCase();
  if (query.external_id !== undefined) filter.external_id = query.external_id.trim();
  if (query.q !== undefined && query.q.trim() !== '') filter.q = query.q.trim();
  if (query.channel !== undefined) filter.channel = query.channel;
  if (query.tag !== undefined && query.tag.trim() !== '') filter.tag = query.tag.trim();
  if (query.window === 'open') filter.windowOpen = true;

  const rows = await selectContactList(db, projectId, filter, { after, limit: limit + 1, byActivity });
  const page = rows.slice(0, limit);
  const now = new Date();
  return { items: page.map((row) => listItem(row, now)), next_cursor: rows.length > limit ? encodeListCursor(page[page.length - 1], byActivity) : null };
}
