import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { landingButtons, type ButtonBot } from '../src/links/landing-buttons.js';
import { landingMergeSecrets, landingTokenProject, newLandingToken } from '../src/links/landing-secrets.js';
import { LINKABLE_CHANNELS } from '../src/links/link-table.js';
import { findMergeCodes, isMergeToken } from '../src/links/secrets.js';

// docs/links.md "One link for every messenger": the page's token names its project, and the merge links its
// buttons make are the ones inbound resolution recognizes.

describe('landing tokens', () => {
  it('carry their project and 128 random bits in 44 URL-safe characters', () => {
    fc.assert(
      fc.property(fc.uuid(), (projectId) => {
        const token = newLandingToken(projectId);
        expect(token).toMatch(/^[A-Za-z0-9_-]{44}$/);
        expect(landingTokenProject(token)).toBe(projectId.toLowerCase());
      }),
    );
    const id = '0193a000-0000-7000-8000-000000000000';
    expect(new Set(Array.from({ length: 1000 }, () => newLandingToken(id).slice(22))).size).toBe(1000);
  });

  it('refuse what cannot be a landing token', () => {
    for (const token of ['', 'short', 'x'.repeat(45), `${'A'.repeat(43)}!`, `${'_'.repeat(21)}B${'A'.repeat(22)}`]) expect(landingTokenProject(token)).toBeNull();
  });

  it('derive merge tokens and codes that inbound resolution reads back, the same for the same click and new for the next', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.constantFrom(...LINKABLE_CHANNELS), fc.nat(5), (projectId, channel, n) => {
        const token = newLandingToken(projectId);
        const secrets = landingMergeSecrets(token, channel, n);
        expect(isMergeToken(secrets.token)).toBe(true);
        expect(findMergeCodes(`here it is: ${secrets.code.toLowerCase()}`)).toEqual([secrets.code]);
        expect(landingMergeSecrets(token, channel, n)).toEqual(secrets);
        const next = landingMergeSecrets(token, channel, n + 1);
        expect(next.token).not.toBe(secrets.token);
        expect(next.code).not.toBe(secrets.code);
      }),
    );
  });
});

describe('landing buttons', () => {
  const bot = (id: string, channel: string): ButtonBot => ({ id, channel, handle: `${channel}_${id}` });
  const bots = [bot('1', 'whatsapp'), bot('2', 'email'), bot('3', 'telegram'), bot('4', 'whatsapp'), bot('5', 'vk')];

  it('offer each messenger with links once, in the order its first bot was connected', () => {
    expect(landingButtons(bots, null, null).map((b) => [b.channel, b.bot.id])).toEqual([['whatsapp', '1'], ['telegram', '3'], ['vk', '5']]);
  });

  it('follow the caller\'s list and choice of bot', () => {
    expect(landingButtons(bots, ['vk', 'whatsapp', 'viber'], '4').map((b) => [b.channel, b.bot.id])).toEqual([['vk', '5'], ['whatsapp', '4']]);
  });
});
