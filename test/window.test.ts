import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ADAPTERS } from '../src/channels/index.js';
import { CHANNEL_NAMES, CHANNELS, messagingWindow, openChannels, recommendChannel, type Channel } from '../src/domain/channels.js';

// docs/messengers.md as pure policy: property tests over any identities, times and subscriptions.

const HOUR = 3_600_000;
const NOW = new Date('2026-06-01T12:00:00Z');
const channel = fc.constantFrom(...CHANNEL_NAMES);
const lastInboundAt = fc.option(fc.integer({ min: -72, max: 0 }).map((hours) => new Date(NOW.getTime() + hours * HOUR - 1)), { nil: null });
const identity = fc.record({ channel, lastInboundAt, subscribed: fc.option(fc.boolean(), { nil: null }) });

describe('messaging window (docs/messengers.md)', () => {
  it('keeps a Meta window open for 24 h after the last inbound message, and not a moment longer', () => {
    fc.assert(
      fc.property(fc.constantFrom<Channel>('facebook', 'instagram', 'whatsapp'), fc.integer({ min: 0, max: 100 * HOUR }), (c, ago) => {
        const last = new Date(NOW.getTime() - ago);
        const window = messagingWindow(c, { lastInboundAt: last }, NOW);
        expect(window.open).toBe(ago < 24 * HOUR);
        expect(window.closesAt?.getTime()).toBe(last.getTime() + 24 * HOUR);
      }),
    );
  });

  it('never closes telegram, email, sms and webchat', () => {
    fc.assert(
      fc.property(fc.constantFrom<Channel>('telegram', 'email', 'sms', 'webchat'), identity, (c, state) => {
        expect(messagingWindow(c, state, NOW)).toEqual({ open: true, closesAt: null });
      }),
    );
  });

  it('opens Viber while subscribed; an unknown subscription counts as subscribed once the client wrote', () => {
    fc.assert(
      fc.property(identity, (state) => {
        const expected = state.subscribed ?? state.lastInboundAt !== null;
        expect(messagingWindow('viber', state, NOW)).toEqual({ open: expected, closesAt: null });
      }),
    );
  });

  it('recommends an open channel, a closing window before a lasting one, and nothing when all are closed', () => {
    fc.assert(
      fc.property(fc.array(identity, { maxLength: 6 }), (identities) => {
        const recommended = recommendChannel(identities, NOW);
        const open = openChannels(identities, NOW);
        if (open.length === 0) {
          expect(recommended).toBeNull();
        } else {
          expect(open).toContain(recommended);
          const closingOpen = identities.some((i) => CHANNELS[i.channel].window.kind === 'hours' && messagingWindow(i.channel, i, NOW).open);
          expect(CHANNELS[recommended!].window.kind === 'hours').toBe(closingOpen);
        }
      }),
    );
  });
});

describe('channel table', () => {
  it('has a webhook adapter for exactly the channels that read their own webhooks', () => {
    const withAdapter = CHANNEL_NAMES.filter((c) => ADAPTERS[c] !== undefined);
    expect(withAdapter).toEqual(CHANNEL_NAMES.filter((c) => CHANNELS[c].ownWebhook));
  });
});
