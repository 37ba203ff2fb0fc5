import type { Channel } from '../domain/channels.js';
import { assertActiveContact } from '../domain/contact-errors.js';
import { DomainError } from '../domain/errors.js';
import { newId } from '../ids.js';
import { landingButtons } from '../links/landing-buttons.js';
import { newLandingToken } from '../links/landing-secrets.js';
import { LINKABLE_CHANNELS } from '../links/link-table.js';
import { hashSecret } from '../links/secrets.js';
import { selectBots } from '../store/bots.js';
import { lockContact } from '../store/contacts.js';
import type { Store } from '../store/database.js';
import { insertLandingLink } from '../store/landing-links.js';
import { selectSettings } from '../store/projects.js';
import { requireLinkable } from './create-merge-link.js';
import { findGroupBot } from './steps/find-group-bot.js';

// docs/links.md "One link for every messenger" (the seeds' mini-landing): one short link to a page with a
// button per connected messenger; each button makes the merge link of its channel when clicked. The page
// expires after the project's `link_ttl_s`, like merge links.

export interface LandingLinkRequest {
  tag?: string;
  /** the messengers to offer, in this order; default: every connected one */
  channels?: Array<string | number>;
  /** a bot's id or handle, used for its channel's button */
  group?: string;
}

export interface LandingLinkView {
  url: string;
  expires_at: Date;
  /** the buttons the page shows now */
  channels: Channel[];
}

export async function createLandingLink(
  store: Store,
  projectId: string,
  contactId: string,
  request: LandingLinkRequest,
  publicUrl: string | null,
): Promise<LandingLinkView> {
  if (!publicUrl) {
    throw new DomainError(
      'public_url_not_configured',
      "this server has no public address for the page: start it with OMNIMERGE_PUBLIC_URL (or --public-url) set to the base URL clients reach it at",
    );
  }
  const channels = request.channels === undefined ? null : [...new Set(request.channels.map((input) => requireLinkable(input).channel))];
  if (channels !== null && channels.length === 0) throw new DomainError('invalid_request', 'channels is empty; list at least one messenger or leave channels out');
  const chosen = request.group === undefined ? null : await findGroupBot(store, projectId, request.group);
  if (chosen) requireLinkable(chosen.channel);
  if (chosen && channels !== null && !channels.includes(chosen.channel as Channel)) {
    throw new DomainError('bot_channel_mismatch', `group ${request.group} is a ${chosen.channel} bot, but channels does not list ${chosen.channel}`);
  }

  const buttons = landingButtons(await selectBots(store.db, projectId), channels, chosen?.id ?? null);
  const offered = buttons.map((button) => button.channel);
  const missing = (channels ?? []).filter((channel) => !offered.includes(channel));
  if (missing.length > 0) throw new DomainError('no_bot_for_channel', `the project has no connected ${missing.join(', ')} bot; connect one with POST /v1/bots or leave it out of channels`);
  if (buttons.length === 0) {
    throw new DomainError('no_bot_for_channel', `the project has no connected bot of a messenger with links (${LINKABLE_CHANNELS.join(', ')}); connect one with POST /v1/bots first`);
  }

  const token = newLandingToken(projectId);
  const link = await store.transaction(async (tx) => {
    const contact = await lockContact(tx, projectId, contactId);
    assertActiveContact(contactId, contact, 'make the link for that one');
    const { link_ttl_s } = await selectSettings(tx, projectId);
    return insertLandingLink(tx, projectId, {
      id: newId(),
      contactId,
      tokenHash: hashSecret(token),
      tag: request.tag?.trim() || null,
      channels,
      botId: chosen?.id ?? null,
      ttlSeconds: link_ttl_s,
    });
  });
  return { url: `${publicUrl.replace(/\/+$/, '')}/l/${token}`, expires_at: link.expires_at, channels: offered };
}
