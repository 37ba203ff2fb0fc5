import { sql, type Selectable } from 'kysely';
import type { Db, Tx } from './database.js';
import type { MergeLinksTable } from './schema.js';

// docs/links.md: merge links and codes, looked up by the hash of their secret; wrong codes counted per identity.

export type MergeLinkRow = Selectable<MergeLinksTable>;

export interface NewMergeLink {
  id: string;
  contactId: string;
  botId: string;
  channel: string;
  tag: string | null;
  tokenHash: string | null;
  codeHash: string | null;
  code: string | null;
  ttlSeconds: number;
}

/**
 * Stores the link. A link with a code makes it the contact's current one: earlier codes of the contact
 * stop working and `variables.text_to_merge_contact` holds the new code.
 */
export async function insertMergeLink(tx: Tx, projectId: string, link: NewMergeLink): Promise<MergeLinkRow> {
  if (link.code !== null) {
    await tx
      .updateTable('merge_links')
      .set({ replaced_at: sql`now()` })
      .where('project_id', '=', projectId)
      .where('contact_id', '=', link.contactId)
      .where('code_hash', 'is not', null)
      .where('replaced_at', 'is', null)
      .where('used_by_identity_id', 'is', null)
      .execute();
    await sql`
      UPDATE contacts SET variables = variables || jsonb_build_object('text_to_merge_contact', ${link.code}::text), updated_at = now()
      WHERE project_id = ${projectId} AND id = ${link.contactId}
    `.execute(tx);
  }
  return tx
    .insertInto('merge_links')
    .values({
      project_id: projectId,
      id: link.id,
      contact_id: link.contactId,
      bot_id: link.botId,
      channel: link.channel,
      tag: link.tag,
      token_hash: link.tokenHash,
      code_hash: link.codeHash,
      expires_at: sql`now() + make_interval(secs => ${link.ttlSeconds})`,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The links these secrets name, locked: the first identity to claim one wins, a concurrent one waits and sees it claimed. */
export async function lockLinksBySecret(tx: Tx, projectId: string, hashes: { token: string | null; codes: string[] }): Promise<Array<MergeLinkRow & { by: 'token' | 'code' }>> {
  const rows: Array<MergeLinkRow & { by: 'token' | 'code' }> = [];
  if (hashes.token !== null) {
    const row = await tx.selectFrom('merge_links').selectAll().where('project_id', '=', projectId).where('token_hash', '=', hashes.token).forUpdate().executeTakeFirst();
    if (row) rows.push({ ...row, by: 'token' });
  }
  if (hashes.codes.length > 0) {
    const found = await tx
      .selectFrom('merge_links')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('code_hash', 'in', hashes.codes)
      .orderBy('id')
      .forUpdate()
      .execute();
    rows.push(...found.map((row) => ({ ...row, by: 'code' as const })));
  }
  return rows;
}

/** The identity that brought the link back; a suggestion when it waits for an operator. */
export async function claimLink(tx: Tx, projectId: string, linkId: string, claim: { identityId: string; suggestionId: string | null; completed: boolean }): Promise<void> {
  await tx
    .updateTable('merge_links')
    .set({
      used_by_identity_id: claim.identityId,
      used_at: sql`now()`,
      suggestion_id: claim.suggestionId,
      completed_at: claim.completed ? sql`now()` : null,
    })
    .where('project_id', '=', projectId)
    .where('id', '=', linkId)
    .execute();
}

/** Links an approved suggestion completes: marks them completed and answers them. */
export async function completeSuggestedLinks(tx: Tx, projectId: string, suggestionId: string): Promise<MergeLinkRow[]> {
  return tx
    .updateTable('merge_links')
    .set({ completed_at: sql`now()` })
    .where('project_id', '=', projectId)
    .where('suggestion_id', '=', suggestionId)
    .where('completed_at', 'is', null)
    .returningAll()
    .execute();
}

/** Wrong codes this identity sent in the last hour. */
export async function countRecentCodeFailures(tx: Tx, projectId: string, identityId: string): Promise<number> {
  const row = await tx
    .selectFrom('merge_code_failures')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('project_id', '=', projectId)
    .where('identity_id', '=', identityId)
    .where('failed_at', '>', sql<Date>`now() - interval '1 hour'`)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Records wrong codes; the identity's failures older than the hour the limit looks at are dropped. */
export async function insertCodeFailures(tx: Tx, projectId: string, identityId: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx
    .deleteFrom('merge_code_failures')
    .where('project_id', '=', projectId)
    .where('identity_id', '=', identityId)
    .where('failed_at', '<', sql<Date>`now() - interval '1 hour'`)
    .execute();
  await tx
    .insertInto('merge_code_failures')
    .values(ids.map((id) => ({ project_id: projectId, identity_id: identityId, id })))
    .execute();
}

/** The conversation a message lives in now (a merge may have joined it into another). */
export async function selectMessageConversation(tx: Tx, projectId: string, messageId: string): Promise<string | undefined> {
  const row = await tx.selectFrom('messages').select('conversation_id').where('project_id', '=', projectId).where('id', '=', messageId).executeTakeFirst();
  return row?.conversation_id;
}

/** The project's first connected bot of a channel (docs/links.md: the default `group`). */
export async function selectFirstBotOfChannel(db: Db, projectId: string, channel: string) {
  return db
    .selectFrom('bots')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('channel', '=', channel)
    .where('disconnected_at', 'is', null)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
}

export interface InviteValues {
  phone?: string;
  email?: string;
  external_id?: string;
  variables?: Record<string, unknown>;
}

/**
 * docs/links.md: writes what an invite link carried onto the contact; answers whether anything changed.
 * Trusted values (a signed link, a bot that trusts its start data) replace the contact's; untrusted ones
 * only fill what is empty, so a hand-made payload cannot rewrite a known person.
 */
export async function writeInviteValues(tx: Tx, projectId: string, contactId: string, values: InviteValues, trusted = true): Promise<boolean> {
  const { phone = null, email = null, external_id = null } = values;
  const variables = JSON.stringify(values.variables ?? {});
  const pick = (given: unknown, column: string) => (trusted ? sql`coalesce(${given}::text, ${sql.ref(column)})` : sql`coalesce(${sql.ref(column)}, ${given}::text)`);
  const merged = trusted ? sql`variables || ${variables}::jsonb` : sql`${variables}::jsonb || variables`;
  const { rows } = await sql<{ id: string }>`
    UPDATE contacts
    SET phone = ${pick(phone, 'phone')}, email = ${pick(email, 'email')}, external_id = ${pick(external_id, 'external_id')}, variables = ${merged}, updated_at = now()
    WHERE project_id = ${projectId} AND id = ${contactId}
      AND (phone IS DISTINCT FROM ${pick(phone, 'phone')} OR email IS DISTINCT FROM ${pick(email, 'email')}
        OR external_id IS DISTINCT FROM ${pick(external_id, 'external_id')} OR variables <> ${merged})
    RETURNING id
  `.execute(tx);
  return rows.length > 0;
}
