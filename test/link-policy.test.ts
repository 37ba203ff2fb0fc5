import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { judgeLink, type LinkSeen } from '../src/links/link-policy.js';

// docs/links.md: what a token or code that came back may do, whatever the link's state.

const NOW = new Date('2026-01-01T12:00:00Z');
const link = fc.record({
  id: fc.constant('link'),
  bot_id: fc.constantFrom('bot-a', 'bot-b'),
  channel: fc.constantFrom('telegram', 'whatsapp'),
  by: fc.constantFrom('token' as const, 'code' as const),
  expires_at: fc.integer({ min: -3600, max: 3600 }).map((s) => new Date(NOW.getTime() + s * 1000)),
  replaced_at: fc.option(fc.constant(NOW)),
  used_by_identity_id: fc.option(fc.constantFrom('me', 'someone')),
});
const arrival = { identityId: 'me', botId: 'bot-a', now: NOW };

describe('judging a merge link that came back', () => {
  it('completes only an unused, unexpired link of this bot, whose code was not replaced', () => {
    fc.assert(
      fc.property(link, (seen: LinkSeen) => {
        const verdict = judgeLink(seen, arrival);
        const usable = seen.used_by_identity_id === null && seen.expires_at > NOW && !(seen.by === 'code' && seen.replaced_at) && seen.bot_id === 'bot-a';
        expect(verdict.kind === 'complete').toBe(usable);
      }),
    );
  });

  it('treats a link the same identity used as a repeat, and refuses it to anyone else', () => {
    fc.assert(
      fc.property(link, (seen: LinkSeen) => {
        const verdict = judgeLink(seen, arrival);
        if (seen.used_by_identity_id === 'me') expect(verdict.kind).toBe('repeat');
        if (seen.used_by_identity_id === 'someone') expect(verdict).toMatchObject({ kind: 'refused', code: 'link_used' });
      }),
    );
  });

  it('names why it refuses', () => {
    const base: LinkSeen = { id: 'l', bot_id: 'bot-a', channel: 'whatsapp', by: 'code', expires_at: new Date(NOW.getTime() + 1000), replaced_at: null, used_by_identity_id: null };
    expect(judgeLink({ ...base, expires_at: NOW }, arrival)).toMatchObject({ code: 'link_expired' });
    expect(judgeLink({ ...base, replaced_at: NOW }, arrival)).toMatchObject({ code: 'code_replaced' });
    expect(judgeLink({ ...base, replaced_at: NOW, by: 'token' }, arrival)).toEqual({ kind: 'complete' });
    expect(judgeLink({ ...base, bot_id: 'bot-b' }, arrival)).toMatchObject({ code: 'link_for_other_bot' });
  });
});
