import { DomainError } from '../domain/errors.js';
import { newId } from '../ids.js';
import type { LandingButton } from '../links/landing-buttons.js';
import { landingMergeSecrets } from '../links/landing-secrets.js';
import { hashSecret } from '../links/secrets.js';
import { lockContact, selectSurvivors } from '../store/contacts.js';
import type { Store } from '../store/database.js';
import { lockLandingLink, selectLandingMergeLinks, setMergeLinkExpiry, updateLandingOpened } from '../store/landing-links.js';
import { insertMergeLink } from '../store/links.js';
import { showLandingPage, type LandingState } from './show-landing-page.js';

// docs/links.md "One link for every messenger": a click on a button of the page. The first click on a channel
// makes that channel's merge link (so codes are issued only for the messenger the client chose); later
// clicks answer the same link. The link completes like any merge link when the client arrives.

export type LandingChoice =
  | Exclude<LandingState, { state: 'open' }>
  | { state: 'not_offered'; project: string; channel: string }
  /** token channels: go straight to the messenger */
  | { state: 'redirect'; url: string }
  /** code channels: the client sends `code` (pre-filled by `url` where the messenger allows) */
  | { state: 'code'; project: string; button: LandingButton; url: string; code: string; prefilled: boolean };

export async function openLandingChannel(store: Store, token: string, channel: string): Promise<LandingChoice> {
  const page = await showLandingPage(store, token);
  if (page.state !== 'open') return page;
  const button = page.buttons.find((b) => b.channel === channel);
  if (!button) return { state: 'not_offered', project: page.project, channel };
  const { projectId } = page;

  const n = await store.transaction(async (tx) => {
    const landing = await lockLandingLink(tx, projectId, page.landing.id);
    if (!landing) throw new DomainError('not_found', 'this page was removed');
    const previous = landing.opened[channel];
    if (previous) {
      const [link] = await selectLandingMergeLinks(tx, projectId, [previous.link_id]);
      if (link && link.bot_id === button.bot.id && link.replaced_at === null) return previous.n;
    }
    const next = previous ? previous.n + 1 : 0;
    const target = (await selectSurvivors(tx, projectId, [landing.contact_id])).get(landing.contact_id) ?? landing.contact_id;
    if (!(await lockContact(tx, projectId, target))) throw new DomainError('contact_not_found', 'the contact of this page was erased');
    const secrets = landingMergeSecrets(token, channel, next);
    const returns = button.format.returns;
    const code = returns === 'token' ? null : secrets.code;
    const link = await insertMergeLink(tx, projectId, {
      id: newId(),
      contactId: target,
      botId: button.bot.id,
      channel,
      tag: landing.tag,
      tokenHash: returns === 'code' ? null : hashSecret(secrets.token),
      codeHash: code && hashSecret(code),
      code,
      ttlSeconds: 60,
    });
    await setMergeLinkExpiry(tx, projectId, link.id, landing.expires_at);
    await updateLandingOpened(tx, projectId, landing.id, { ...landing.opened, [channel]: { link_id: link.id, n: next } });
    return next;
  });

  const secrets = landingMergeSecrets(token, channel, n);
  const returns = button.format.returns;
  const url = button.format.mergeLink(button.bot.handle, {
    token: returns === 'code' ? undefined : secrets.token,
    code: returns === 'token' ? undefined : secrets.code,
  });
  if (returns === 'token') return { state: 'redirect', url };
  return { state: 'code', project: page.project, button, url, code: secrets.code, prefilled: returns === 'code' };
}

