import { landingButtons, type LandingButton } from '../links/landing-buttons.js';
import { landingTokenProject } from '../links/landing-secrets.js';
import { hashSecret } from '../links/secrets.js';
import { selectBots } from '../store/bots.js';
import type { Store } from '../store/database.js';
import { selectLandingLink, selectLandingMergeLinks, selectProjectName, type LandingLinkRow } from '../store/landing-links.js';

// docs/links.md "One link for every messenger": what the page at /l/<token> shows — the project's name and a
// button per connected messenger, or why the link no longer works. No API key: the token is the key.

export type LandingState =
  | { state: 'unknown' }
  | { state: 'expired'; project: string; expiresAt: Date }
  | { state: 'used'; project: string }
  | { state: 'open'; project: string; projectId: string; landing: LandingLinkRow; buttons: LandingButton[] };

export async function showLandingPage(store: Store, token: string, now = new Date()): Promise<LandingState> {
  const projectId = landingTokenProject(token);
  if (projectId === null) return { state: 'unknown' };
  const landing = await selectLandingLink(store.db, projectId, hashSecret(token));
  if (!landing) return { state: 'unknown' };
  const project = (await selectProjectName(store.db, projectId)) ?? '';
  const made = await selectLandingMergeLinks(store.db, projectId, Object.values(landing.opened).map((opened) => opened.link_id));
  if (made.some((link) => link.used_by_identity_id !== null)) return { state: 'used', project };
  if (landing.expires_at.getTime() <= now.getTime()) return { state: 'expired', project, expiresAt: landing.expires_at };
  const buttons = landingButtons(await selectBots(store.db, projectId), landing.channels, landing.bot_id);
  return { state: 'open', project, projectId, landing, buttons };
}
