import type { Channel } from '../../domain/channels.js';
import { judgeLink, MAX_WRONG_CODES_PER_HOUR, type LinkVerdict } from '../../links/link-policy.js';
import { startParameter } from '../../links/link-table.js';
import { findMergeCodes, hashSecret, isMergeToken } from '../../links/secrets.js';
import { newId } from '../../ids.js';
import { linksCompleted } from '../../metrics.js';
import { afterCommit, type Tx } from '../../store/database.js';
import {
  claimLink,
  countRecentCodeFailures,
  insertCodeFailures,
  lockLinksBySecret,
  selectMessageConversation,
  type MergeLinkRow,
} from '../../store/links.js';
import { insertHistory } from '../../store/history.js';
import type { OutboxEvent } from '../../store/outbox.js';
import { selectSettings } from '../../store/projects.js';
import { selectSurvivors } from '../../store/contacts.js';
import { mergeContacts } from '../merge-contacts.js';
import type { InboundContext, InboundStep } from '../resolve-inbound.js';
import { suggestMerge } from './suggest-merge.js';

// inbound resolution step 3 (docs/concepts.md) and merge links (docs/links.md): a merge token or code came back, so the identity that brought it is the person
// the link was made for. In auto mode its contact joins the link's contact at once; in manual mode an
// operator decides (docs/merging.md) and approval finishes the link (`finishLink`).

/** The merge token of a message (its start / ref / context parameter) and the merge codes in its text. */
export function mergeSecretsIn(input: { payload?: string; text?: string }): { token: string | null; codes: string[] } {
  const parameter = input.payload?.trim() || startParameter(input.text);
  return { token: parameter && isMergeToken(parameter) ? parameter : null, codes: findMergeCodes(input.text ?? '') };
}

export const completeLink: InboundStep = async (ctx) => {
  if (ctx.result.duplicate) return;
  const secrets = mergeSecretsIn(ctx.input);
  if (secrets.token === null && secrets.codes.length === 0) return;
  const { tx, projectId } = ctx;
  const identityId = ctx.result.identity_id;

  let codes = secrets.codes;
  if (codes.length > 0 && (await countRecentCodeFailures(tx, projectId, identityId)) >= MAX_WRONG_CODES_PER_HOUR) {
    ctx.result.errors.push({
      code: 'code_rate_limited',
      message: `${MAX_WRONG_CODES_PER_HOUR} wrong merge codes in the last hour from this client; further codes are ignored until that hour has passed`,
    });
    codes = [];
  }
  const codeHashes = codes.map(hashSecret);
  const found = await lockLinksBySecret(tx, projectId, { token: secrets.token && hashSecret(secrets.token), codes: codeHashes });

  const failedCodes = codeHashes.filter((hash) => !found.some((link) => link.code_hash === hash)).length;
  if (secrets.token !== null && !found.some((link) => link.by === 'token')) {
    ctx.result.errors.push({ code: 'link_not_found', message: 'this merge link is unknown; ask for a new one' });
  }
  if (failedCodes > 0) ctx.result.errors.push({ code: 'code_not_found', message: 'this merge code is unknown; check it and send it again' });

  const now = new Date();
  let chosen: { link: MergeLinkRow; verdict: LinkVerdict } | null = null;
  let refusedCodes = 0;
  for (const link of found) {
    const verdict = judgeLink(link, { identityId, botId: ctx.bot.id, now });
    if (verdict.kind === 'refused') {
      ctx.result.errors.push({ code: verdict.code, message: verdict.message });
      if (link.by === 'code') refusedCodes++;
    } else if (chosen === null) {
      chosen = { link, verdict };
    }
  }
  await insertCodeFailures(tx, projectId, identityId, Array.from({ length: failedCodes + refusedCodes }, () => newId()));
  if (chosen?.verdict.kind === 'complete') await complete(ctx, chosen.link);
};

async function complete(ctx: InboundContext, link: MergeLinkRow): Promise<void> {
  const { tx, projectId } = ctx;
  const identityId = ctx.result.identity_id;
  const arriving = ctx.result.contact_id;
  const target = (await selectSurvivors(tx, projectId, [link.contact_id])).get(link.contact_id)!;

  if (arriving !== target && (await selectSettings(tx, projectId)).merge_mode === 'manual') {
    const evidence = { link_id: link.id, channel: link.channel, bot_id: link.bot_id, identity_id: identityId, tag: link.tag };
    const { suggestion } = await suggestMerge(tx, projectId, { kind: 'link', fromId: arriving, toId: target, reason: 'link', evidence });
    await claimLink(tx, projectId, link.id, { identityId, suggestionId: suggestion.id, completed: false });
    ctx.result.linked = { link_id: link.id, contact_id: target, identity_id: identityId, status: 'suggested', suggestion_id: suggestion.id };
    return;
  }

  const merge = arriving === target ? null : await mergeContacts(tx, projectId, { fromId: arriving, toId: target, reason: 'link', actor: `link:${link.id}` });
  await claimLink(tx, projectId, link.id, { identityId, suggestionId: null, completed: true });
  ctx.events.push(...(await finishLink(tx, projectId, link, { identityId, contactId: target, fromContactId: merge ? arriving : null, mergeId: merge?.merge_id ?? null })));

  ctx.result.linked = { link_id: link.id, contact_id: target, identity_id: identityId, channel: link.channel as Channel, tag: link.tag, status: 'completed' };
  if (merge) {
    // A contact made by this very message is no news to the caller: its identity simply joined the link's contact.
    if (!ctx.result.created) ctx.result.merged = { merge_id: merge.merge_id!, from_contact_id: arriving, to_contact_id: target };
    ctx.result.linked.merge_id = merge.merge_id!;
    ctx.result.created = false;
    ctx.result.contact_id = target;
    if (ctx.result.message_id) ctx.result.conversation_id = (await selectMessageConversation(tx, projectId, ctx.result.message_id)) ?? ctx.result.conversation_id;
    ctx.contactChanged = true;
  }
  if (link.tag) ctx.result.actions.push({ type: 'send_message', channel: link.channel as Channel, bot_id: link.bot_id, identity_id: identityId, text: link.tag });
}

export interface LinkCompletion {
  identityId: string;
  /** the contact the identity now belongs to */
  contactId: string;
  /** the contact merged into it, if any */
  fromContactId: string | null;
  mergeId: string | null;
}

/**
 * What every completed link leaves behind, at once or after approval: a `link` entry in the contact's
 * history and the events `identity.linked` and `switch_to_<channel>` (with the tag, for the host to act on).
 */
export async function finishLink(tx: Tx, projectId: string, link: MergeLinkRow, done: LinkCompletion): Promise<OutboxEvent[]> {
  const data = {
    link_id: link.id,
    contact_id: done.contactId,
    identity_id: done.identityId,
    bot_id: link.bot_id,
    channel: link.channel,
    tag: link.tag,
    merge_id: done.mergeId,
    from_contact_id: done.fromContactId,
  };
  await insertHistory(tx, projectId, [{ id: newId(), kind: 'link', contactId: done.contactId, otherContactId: done.fromContactId, data }]);
  afterCommit(tx, () => linksCompleted.inc({ channel: link.channel }));
  return [
    { type: 'identity.linked', contactId: done.contactId, data },
    { type: `switch_to_${link.channel}`, contactId: done.contactId, data },
  ];
}
