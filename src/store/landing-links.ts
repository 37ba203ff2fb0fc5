import { sql, type Selectable } from 'kysely';
import type { Db, Tx } from './database.js';
import { jsonb } from './sql.js';
import type { LandingLinksTable } from './schema.js';

// docs/links.md "One link for every messenger": landing pages, found by the hash of their token; each names
// the merge links its buttons made.

export type LandingLinkRow = Selectable<LandingLinksTable>;

export interface NewLandingLink {
  id: string;
  contactId: string;
  tokenHash: string;
  tag: string | null;
  channels: string[] | null;
  botId: string | null;
  ttlSeconds: number;
}

export async function insertLandingLink(tx: Tx, projectId: string, link: NewLandingLink): Promise<LandingLinkRow> {
  return tx
    .insertInto('landing_links')
    .values({
      project_id: projectId,
      id: link.id,
      contact_id: link.contactId,
      token_hash: link.tokenHash,
      tag: link.tag,
      channels: link.channels === null ? null : jsonb(link.channels),
      bot_id: link.botId,
      expires_at: sql`now() + make_interval(secs => ${link.ttlSeconds})`,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function selectLandingLink(db: Db, projectId: string, tokenHash: string): Promise<LandingLinkRow | undefined> {
  return db.selectFrom('landing_links').selectAll().where('project_id', '=', projectId).where('token_hash', '=', tokenHash).executeTakeFirst();
}

/** The page's row, locked: two clicks at once make one merge link. */
export async function lockLandingLink(tx: Tx, projectId: string, id: string): Promise<LandingLinkRow | undefined> {
  return tx.selectFrom('landing_links').selectAll().where('project_id', '=', projectId).where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function updateLandingOpened(tx: Tx, projectId: string, id: string, opened: LandingLinkRow['opened']): Promise<void> {
  await tx.updateTable('landing_links').set({ opened: jsonb(opened) }).where('project_id', '=', projectId).where('id', '=', id).execute();
}

/** The merge links a page made: whether one was used, replaced, or is still good for another click. */
export async function selectLandingMergeLinks(db: Db | Tx, projectId: string, ids: string[]) {
  if (ids.length === 0) return [];
  return db
    .selectFrom('merge_links')
    .select(['id', 'bot_id', 'channel', 'contact_id', 'expires_at', 'replaced_at', 'used_by_identity_id'])
    .where('project_id', '=', projectId)
    .where('id', 'in', ids)
    .execute();
}

/** A merge link made by a page expires with the page. */
export async function setMergeLinkExpiry(tx: Tx, projectId: string, linkId: string, expiresAt: Date): Promise<void> {
  await tx.updateTable('merge_links').set({ expires_at: expiresAt }).where('project_id', '=', projectId).where('id', '=', linkId).execute();
}

export async function selectProjectName(db: Db, projectId: string): Promise<string | undefined> {
  const row = await db.selectFrom('projects').select('name').where('project_id', '=', projectId).executeTakeFirst();
  return row?.name;
}
