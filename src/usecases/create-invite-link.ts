import { DomainError } from '../domain/errors.js';
import { randomBytes } from 'node:crypto';
import { encodeInvitePayload, requireFits, SIGNATURE_LENGTH, signPayload, type InviteData, type PayloadLimit } from '../links/invite-payload.js';
import { isMergeToken } from '../links/secrets.js';
import type { Store } from '../store/database.js';
import { selectInviteSecret } from '../store/projects.js';
import { requireLinkable } from './create-merge-link.js';
import { findBot } from './steps/find-bot.js';

// docs/links.md: an invite link for a bot carrying data (`p`, `e`, `eId`, `v`) or a raw payload (the client's
// external id), at most 64 characters of Base64URL (128 on MAX) — signature included: links made here are signed with
// the project's invite secret, so what they carry is trusted when it comes back (docs/links.md).

export async function createInviteLink(
  store: Store,
  projectId: string,
  botId: string,
  request: { data?: InviteData; payload?: string },
): Promise<{ url: string; payload: string }> {
  if ((request.data === undefined) === (request.payload === undefined)) throw new DomainError('invalid_request', 'give either data {p, e, eId, v} or payload, not both');
  const bot = await findBot(store, projectId, botId);
  const { format } = requireLinkable(bot.channel);
  const unsigned = request.data !== undefined ? encodeInvitePayload(request.data, SIGNATURE_LENGTH, format.payloadLimit) : rawPayload(request.payload!, format.payloadLimit);
  const secret = await selectInviteSecret(store.db, projectId, () => randomBytes(32).toString('base64url'));
  const payload = signPayload(unsigned, secret, bot.id);
  if (isMergeToken(payload)) throw new DomainError('invalid_request', 'this payload, signed, reads as a merge token (m- and 32 characters); pick another external id');
  return { url: format.inviteLink(bot.handle, payload), payload };
}

function rawPayload(payload: string, limit: PayloadLimit | undefined): string {
  requireFits(payload, SIGNATURE_LENGTH, limit);
  if (isMergeToken(payload)) throw new DomainError('invalid_request', 'this payload reads as a merge token (m- and 32 characters); pick another external id');
  return payload;
}
