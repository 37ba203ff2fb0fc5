import { sql } from 'kysely';
import type { Db, Tx } from './database.js';

// docs/links.md: the merge links and codes of a contact that a client may still bring back, and taking one back.

export interface PendingLinkRow {
  id: string;
  channel: string;
  bot_id: string;
  bot_handle: string;
  has_token: boolean;
  has_code: boolean;
  tag: string | null;
  expires_at: Date;
  created_at: Date;
}

/** Not used, not replaced by a newer code, not expired: newest first, each with its bot's handle, in one statement. */
export async function selectPendingLinks(db: Db | Tx, projectId: string, contactId: string): Promise<PendingLinkRow[]> {
  const { rows } = await sql<PendingLinkRow>`
    SELECT l.id, l.channel, l.bot_id, b.handle AS bot_handle, l.token_hash IS NOT NULL AS has_token, l.code_hash IS NOT NULL AS has_code,
           l.tag, l.expires_at, l.created_at
    FROM merge_links l
    JOIN bots b ON b.project_id = l.project_id AND b.id = l.bot_id
    WHERE l.project_id = ${projectId} AND l.contact_id = ${contactId}
      AND l.used_by_identity_id IS NULL AND l.replaced_at IS NULL AND l.expires_at > now()
    ORDER BY l.id DESC
  `.execute(db);
  return rows;
}

/**
 * Ends a pending link now: it answers as expired from then on. A code link also takes its code out of the
 * contact's `variables.text_to_merge_contact` (a contact has one current code). Answers whether one was pending.
 */
export async function revokePendingLink(tx: Tx, projectId: string, contactId: string, linkId: string): Promise<boolean> {
  const { rows } = await sql<{ has_code: boolean }>`
    UPDATE merge_links SET expires_at = now(), replaced_at = now()
    WHERE project_id = ${projectId} AND contact_id = ${contactId} AND id = ${linkId}
      AND used_by_identity_id IS NULL AND replaced_at IS NULL AND expires_at > now()
    RETURNING code_hash IS NOT NULL AS has_code
  `.execute(tx);
  if (rows.length === 0) return false;
  if (rows[0].has_code) {
    await sql`
      UPDATE contacts SET variables = variables - 'text_to_merge_contact', updated_at = now()
      WHERE project_id = ${projectId} AND id = ${contactId}
    `.execute(tx);
  }
  return true;
}
