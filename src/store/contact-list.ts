import { sql } from 'kysely';
import { CHANNELS, CHANNEL_NAMES } from '../domain/channels.js';
import { alternatesOfContact, contactIdsWith, CONTACT_COLUMNS, survivorOf, tagsOf, type ContactFilter, type ContactRow } from './contacts.js';
import type { Db } from './database.js';

// The contacts list (docs/ui.md): each contact with what an operator scans a list for — its messengers, its
// last message, when it was last active — filtered and sorted in one statement, whatever the page size.

export interface ListIdentity {
  channel: string;
  name: string | null;
  username: string | null;
  last_inbound_at: string | null;
  subscribed: boolean | null;
  unreachable_at: string | null;
  bot_connected: boolean;
}

export interface ContactListRow extends ContactRow {
  identities: ListIdentity[];
  last_message: { text: string | null; direction: 'in' | 'out'; at: string; channel: string; attachments: string[] } | null;
  last_activity_at: Date | null;
  /** last_activity_at to the microsecond, as fixed-width UTC text: where a page sorted by activity ends */
  activity_key: string | null;
}

export interface ContactListFilter extends ContactFilter {
  channel?: string;
  tag?: string;
  /** only contacts with an identity that may be written to now */
  windowOpen?: boolean;
}

/** Where the list continues: the last row's activity (null sorts last) and id. */
export type ListAfter = { kind: 'id'; id: string } | { kind: 'activity'; at: string | null; id: string };

const lastActivity = sql<Date | null>`(SELECT max(v.last_message_at) FROM conversations v WHERE v.project_id = c.project_id AND v.contact_id = c.id)`;
// nulls after every time: a contact nobody wrote to comes last
const activityKey = sql`coalesce(${lastActivity}, '-infinity'::timestamptz)`;

/**
 * An identity of `i` (joined to its bot `b`) whose window is open now (docs/messengers.md), as SQL built from
 * the channel table, so the filter and the card's `window_open` agree.
 */
function windowOpenSql() {
  const byRule = CHANNEL_NAMES.map((name) => {
    const rule = CHANNELS[name].window as { kind: string; hours?: number };
    const open =
      rule.kind === 'always'
        ? sql`true`
        : rule.kind === 'hours'
          ? sql`i.last_inbound_at > now() - make_interval(hours => ${rule.hours!})`
          : sql`coalesce(i.subscribed, i.last_inbound_at IS NOT NULL)`;
    return sql`WHEN ${name} THEN ${open}`;
  });
  return sql`(b.disconnected_at IS NULL
    AND (i.unreachable_at IS NULL OR (i.last_inbound_at IS NOT NULL AND i.unreachable_at <= i.last_inbound_at))
    AND CASE b.channel ${sql.join(byRule, sql` `)} ELSE false END)`;
}

export async function selectContactList(db: Db, projectId: string, filter: ContactListFilter, page: { after: ListAfter | null; limit: number; byActivity: boolean }): Promise<ContactListRow[]> {
  let query = db
    .selectFrom('contacts as c')
    .select(CONTACT_COLUMNS)
    .select(survivorOf.as('merged_into'))
    .select(tagsOf.as('tags'))
    .select(alternatesOfContact.as('alternates'))
    .select(
      sql<ListIdentity[]>`coalesce((
        SELECT json_agg(json_build_object('channel', b.channel, 'name', i.name, 'username', i.username, 'last_inbound_at', i.last_inbound_at,
          'subscribed', i.subscribed, 'unreachable_at', i.unreachable_at, 'bot_connected', b.disconnected_at IS NULL) ORDER BY i.id)
        FROM identities i JOIN bots b ON b.project_id = i.project_id AND b.id = i.bot_id
        WHERE i.project_id = c.project_id AND i.contact_id = c.id
      ), '[]'::json)`.as('identities'),
    )
    .select(
      sql<ContactListRow['last_message']>`(
        SELECT json_build_object('text', m.text, 'direction', m.direction, 'at', m.created_at, 'channel', v.channel,
          'attachments', coalesce((SELECT json_agg(a.type ORDER BY a.id) FROM message_attachments a WHERE a.project_id = m.project_id AND a.message_id = m.id), '[]'::json))
        FROM conversations v JOIN messages m ON m.project_id = v.project_id AND m.conversation_id = v.id
        WHERE v.project_id = c.project_id AND v.contact_id = c.id
        ORDER BY v.last_message_at DESC NULLS LAST, m.id DESC
        LIMIT 1
      )`.as('last_message'),
    )
    .select(lastActivity.as('last_activity_at'))
    .select(sql<string | null>`to_char(${lastActivity} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('activity_key'))
    .where('c.project_id', '=', projectId)
    .where('c.state', '=', 'active')
    .limit(page.limit);
  query = page.byActivity ? query.orderBy(activityKey, 'desc').orderBy('c.id', 'desc') : query.orderBy('c.id', 'desc');

  if (filter.phone !== undefined) query = query.where('c.id', 'in', contactIdsWith(projectId, 'phone', filter.phone));
  if (filter.email !== undefined) query = query.where('c.id', 'in', contactIdsWith(projectId, 'email', filter.email));
  if (filter.external_id !== undefined) query = query.where('c.external_id', '=', filter.external_id);
  if (filter.q !== undefined) {
    const pattern = `%${filter.q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    query = query.where(
      sql<boolean>`(c.name ILIKE ${pattern} OR EXISTS (SELECT 1 FROM identities i WHERE i.project_id = c.project_id AND i.contact_id = c.id
        AND (i.username ILIKE ${pattern} OR i.name ILIKE ${pattern})))`,
    );
  }
  if (filter.channel !== undefined) {
    query = query.where(
      sql<boolean>`EXISTS (SELECT 1 FROM identities i JOIN bots b ON b.project_id = i.project_id AND b.id = i.bot_id
        WHERE i.project_id = c.project_id AND i.contact_id = c.id AND b.channel = ${filter.channel})`,
    );
  }
  if (filter.tag !== undefined) {
    query = query.where(sql<boolean>`EXISTS (SELECT 1 FROM contact_tags t WHERE t.project_id = c.project_id AND t.contact_id = c.id AND t.tag = ${filter.tag})`);
  }
  if (filter.windowOpen) {
    query = query.where(
      sql<boolean>`EXISTS (SELECT 1 FROM identities i JOIN bots b ON b.project_id = i.project_id AND b.id = i.bot_id
        WHERE i.project_id = c.project_id AND i.contact_id = c.id AND ${windowOpenSql()})`,
    );
  }
  const after = page.after;
  if (after?.kind === 'id') query = query.where('c.id', '<', after.id);
  if (after?.kind === 'activity') {
    const at = after.at === null ? sql`'-infinity'::timestamptz` : sql`${after.at}::timestamptz`;
    query = query.where(sql<boolean>`(${activityKey}, c.id) < (${at}, ${after.id}::uuid)`);
  }
  return query.execute() as Promise<ContactListRow[]>;
}
