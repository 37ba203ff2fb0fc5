import { DomainError } from '../domain/errors.js';
import { encodeInvitePayload, requireFits, type InviteData } from '../links/invite-payload.js';
import { isMergeToken } from '../links/secrets.js';
import type { Store } from '../store/database.js';
import { requireLinkable } from './create-merge-link.js';
import { findBot } from './find-bot.js';

// docs/links.md: an invite link for a bot carrying data (`p`, `e`, `eId`, `v`) or a raw payload (the client's
// external id), at most 64 characters of Base64URL.

export async function createInviteLink(
  store: Store,
  projectId: string,
  botId: string,
  request: { data?: InviteData; payload?: string },
): Promise<{ url: string; payload: string }> {
  if ((request.data === undefined) === (request.payload === undefined)) throw new DomainError('invalid_request', 'give either data {p, e, eId, v} or payload, not both');
  const bot = await findBot(store, projectId, botId);
  const { format } = requireLinkable(bot.channel);
  const payload = request.data !== undefined ? encodeInvitePayload(request.data) : rawPayload(request.payload!);
  return { url: format.inviteLink(bot.handle, payload), payload };
}

function rawPayload(payload: string): string {
  requireFits(payload);
  if (isMergeToken(payload)) throw new DomainError('invalid_request', 'this payload reads as a merge token (m- and 32 characters); pick another external id');
  return payload;
}
