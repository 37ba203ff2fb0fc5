import fc from 'fast-check';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { describe, expect, it } from 'vitest';
import { CHANNEL_NAMES, CHANNELS, messagingWindow, parseChannel, recommendChannel, type Channel } from '../src/domain/channels.js';
import { normalizeEmail, normalizePhone } from '../src/domain/normalize.js';
import { decodeCursor, toPage } from '../src/usecases/views/page.js';
import { newId } from '../src/ids.js';

// Valid numbers of a few regions, built from their national significant numbers.
const RU_MOBILE = fc.integer({ min: 900_000_0000, max: 999_999_9999 }).map((n) => `+7${n}`);
const US = fc
  .tuple(fc.integer({ min: 201, max: 989 }), fc.integer({ min: 200, max: 989 }), fc.integer({ min: 0, max: 9999 }))
  .map(([a, b, c]) => `+1${a}${b}${String(c).padStart(4, '0')}`)
  .filter((p) => parsePhoneNumberFromString(p)?.isValid() === true);
const validPhone = fc.oneof(RU_MOBILE.filter((p) => parsePhoneNumberFromString(p)?.isValid() === true), US);

/** The ways people write one number: spaces, dashes, brackets, dots, with or without the plus. */
function writings(e164: string): string[] {
  const digits = e164.slice(1);
  const national = parsePhoneNumberFromString(e164)!.formatNational();
  const intl = parsePhoneNumberFromString(e164)!.formatInternational();
  return [e164, digits, intl, intl.replace(/ /g, '-'), `+${digits.slice(0, 1)} (${digits.slice(1, 4)}) ${digits.slice(4)}`, national, ` ${e164} `];
}

describe('phone normalization', () => {
  it('reads every common writing of a valid number as the same E.164, given the number\'s region', () => {
    fc.assert(
      fc.property(validPhone, (e164) => {
        const region = parsePhoneNumberFromString(e164)!.country ?? null;
        for (const written of writings(e164)) expect({ written, phone: normalizePhone(written, region) }).toEqual({ written, phone: e164 });
      }),
    );
  });

  it('is idempotent and only ever answers E.164 or null', () => {
    fc.assert(
      fc.property(fc.oneof(validPhone, fc.string(), fc.stringMatching(/^[\d +()-]{0,20}$/)), fc.constantFrom(null, 'RU', 'US', 'DE'), (input, region) => {
        const once = normalizePhone(input, region);
        if (once === null) return;
        expect(once).toMatch(/^\+[1-9]\d{6,14}$/);
        expect(normalizePhone(once, region)).toBe(once);
      }),
    );
  });

  it('refuses numbers shorter than any in service, which the compact metadata would take (1000 in Germany), and keeps the shortest real ones', () => {
    for (const [input, region] of [['1000', 'DE'], ['+491000', null], ['+1 000', null]] as const) expect({ input, phone: normalizePhone(input, region) }).toEqual({ input, phone: null });
    expect(normalizePhone('+683 4002', null)).toBe('+6834002'); // Niue: four digits after the country code
    expect(normalizePhone('030 123', 'DE')).toBe('+4930123');
  });

  it('refuses text that is not a phone number', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z@#]{1,12}$/), (text) => {
        expect(normalizePhone(text, 'RU')).toBeNull();
      }),
    );
  });
});

describe('e-mail normalization', () => {
  const email = fc.emailAddress();
  it('ignores case and surrounding spaces, and is idempotent', () => {
    fc.assert(
      fc.property(email, fc.stringMatching(/^ {0,3}$/), (address, pad) => {
        const normalized = normalizeEmail(pad + address.toUpperCase() + pad);
        expect(normalized).toBe(normalizeEmail(address));
        if (normalized !== null) expect(normalizeEmail(normalized)).toBe(normalized);
      }),
    );
  });
});

describe('channel table', () => {
  it('reads every channel by its name and by its seed number', () => {
    for (const name of CHANNEL_NAMES) {
      expect(parseChannel(name)).toBe(name);
      expect(parseChannel(name.toUpperCase())).toBe(name);
      const seed = CHANNELS[name].seed;
      if (seed !== null) {
        expect(parseChannel(seed)).toBe(name);
        expect(parseChannel(String(seed))).toBe(name);
      }
    }
    expect([parseChannel(1), parseChannel(2), parseChannel(3), parseChannel(6), parseChannel(10), parseChannel(0), parseChannel(8)]).toEqual([
      'telegram', 'viber', 'facebook', 'whatsapp', 'instagram', 'vk', 'odnoklassniki',
    ]);
  });

  it('refuses numbers and names that are no channel', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 11, max: 10_000 }), fc.constantFrom(4, 5, 7, 9), fc.stringMatching(/^[a-z]{1,10}$/)), (input) => {
        if (typeof input === 'string' && input in CHANNELS) return;
        expect(parseChannel(input)).toBeNull();
      }),
    );
  });

  it('keeps a Meta window open exactly 24 hours after the last inbound message; Telegram has none', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 72 * 3600 }), (secondsAgo) => {
        const now = new Date('2026-01-01T00:00:00Z');
        const last = new Date(now.getTime() - secondsAgo * 1000);
        for (const channel of ['facebook', 'instagram', 'whatsapp'] as Channel[]) {
          expect(messagingWindow(channel, { lastInboundAt: last }, now).open).toBe(secondsAgo < 24 * 3600);
        }
        expect(messagingWindow("telegram", { lastInboundAt: last }, now).open).toBe(true);
      }),
    );
  });

  it('recommends an open window first, then a channel without one, and nothing when all are closed', () => {
    const now = new Date('2026-01-01T12:00:00Z');
    const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);
    expect(recommendChannel([{ channel: 'telegram', lastInboundAt: hoursAgo(1) }, { channel: 'whatsapp', lastInboundAt: hoursAgo(2) }], now)).toBe('whatsapp');
    expect(recommendChannel([{ channel: 'telegram', lastInboundAt: hoursAgo(100) }, { channel: 'whatsapp', lastInboundAt: hoursAgo(30) }], now)).toBe('telegram');
    expect(recommendChannel([{ channel: 'instagram', lastInboundAt: hoursAgo(30) }], now)).toBeNull();
  });
});

describe('cursors', () => {
  it('give back the id they were made from, and refuse anything else', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }), (count, limit) => {
        const rows = Array.from({ length: count }, () => ({ id: newId() }));
        const page = toPage(rows, limit);
        expect(page.items).toHaveLength(Math.min(count, limit));
        if (count > limit) expect(decodeCursor(page.next_cursor!)).toBe(rows[limit - 1].id);
        else expect(page.next_cursor).toBeNull();
      }),
    );
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (junk) => {
        expect(() => decodeCursor(Buffer.from(junk).toString('base64url'))).toThrow(/cursor/);
      }),
    );
  });
});
