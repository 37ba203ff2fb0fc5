import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeInvitePayload, encodeInvitePayload, MAX_PAYLOAD_LENGTH, type InviteData } from '../src/links/invite-payload.js';
import { LINKS, startParameter } from '../src/links/link-table.js';
import { CODE_ALPHABET, findMergeCodes, isMergeToken, newMergeCode, newMergeToken } from '../src/links/secrets.js';

const text = fc.string({ maxLength: 20 });
const inviteData: fc.Arbitrary<InviteData> = fc
  .record(
    {
      p: fc.stringMatching(/^\+?\d{6,15}$/),
      e: fc.emailAddress(),
      eId: fc.string({ minLength: 1, maxLength: 30 }),
      v: fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.oneof(text, fc.integer(), fc.boolean()), { maxKeys: 3 }),
    },
    { requiredKeys: [] },
  )
  .filter((d) => d.p !== undefined || d.e !== undefined || d.eId !== undefined || (d.v !== undefined && Object.keys(d.v).length > 0));

describe('invite payloads (docs/links.md)', () => {
  it('encodes the seed examples exactly as the seed documents them', () => {
    expect(encodeInvitePayload({ e: 'email@gmail.com' })).toBe('eyJlIjoiZW1haWxAZ21haWwuY29tIn0');
    expect(encodeInvitePayload({ p: '79000000000' })).toBe('eyJwIjoiNzkwMDAwMDAwMDAifQ');
    expect(encodeInvitePayload({ eId: 'externalId' })).toBe('eyJlSWQiOiJleHRlcm5hbElkIn0');
    expect(encodeInvitePayload({ v: { city: 'Moscow' } })).toBe('eyJ2Ijp7ImNpdHkiOiJNb3Njb3cifX0');
  });

  it('round-trips every payload it accepts, and never produces one over 64 characters', () => {
    fc.assert(
      fc.property(inviteData, (data) => {
        let payload: string;
        try {
          payload = encodeInvitePayload(data);
        } catch (err) {
          expect((err as { code: string }).code).toBe('payload_too_long');
          expect((err as Error).message).toMatch(/\d+ over the limit of 64/);
          return;
        }
        expect(payload.length).toBeLessThanOrEqual(MAX_PAYLOAD_LENGTH);
        expect(payload).toMatch(/^[A-Za-z0-9_-]+$/);
        const decoded = decodeInvitePayload(payload);
        const expected = { ...data };
        if (expected.v && Object.keys(expected.v).length === 0) delete expected.v;
        expect(decoded).toEqual({ kind: 'data', data: expected });
      }),
    );
  });

  it('says by how many characters a payload is too long', () => {
    expect(() => encodeInvitePayload({ v: { stage_name: '1.First stage of a very long funnel' } })).toThrow(/is 7\d characters, \d+ over the limit of 64/);
  });

  it('reads a payload that is not such JSON as the client external id', () => {
    expect(decodeInvitePayload('1234567')).toEqual({ kind: 'external_id', value: '1234567' });
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), (payload) => {
        const decoded = decodeInvitePayload(payload);
        if (decoded.kind === 'external_id') expect(decoded.value).toBe(payload);
        else expect(Object.keys(decoded.data).every((k) => ['p', 'e', 'eId', 'v'].includes(k))).toBe(true);
      }),
    );
  });
});

describe('merge tokens and codes (docs/links.md)', () => {
  it('makes tokens that fit a Telegram start parameter and are recognized as tokens', () => {
    const tokens = new Set(Array.from({ length: 1000 }, newMergeToken));
    expect(tokens.size).toBe(1000);
    for (const token of tokens) {
      expect(token.length).toBeLessThanOrEqual(64);
      expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(isMergeToken(token)).toBe(true);
    }
    // 32 base64url characters after the prefix: 192 random bits
    expect([...tokens][0].length - 2).toBe(32);
  });

  it('makes codes of at least 40 random bits with no look-alike characters', () => {
    expect(Math.log2(CODE_ALPHABET.length) * 10).toBeGreaterThanOrEqual(40);
    expect(CODE_ALPHABET).not.toMatch(/[01ILO]/);
    const codes = Array.from({ length: 1000 }, newMergeCode);
    expect(new Set(codes).size).toBe(1000);
    for (const code of codes) expect(code).toMatch(/^cli-[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}$/);
  });

  it('finds a code anywhere in a message, in any case and with or without its dashes', () => {
    fc.assert(
      fc.property(fc.constant(null).map(newMergeCode), fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }), fc.constantFrom('upper', 'lower', 'spaced', 'bare'), (code, before, after, style) => {
        const written = style === 'lower' ? code.toLowerCase() : style === 'spaced' ? code.replace(/-/g, ' ') : style === 'bare' ? code.replace(/-/g, '') : code;
        const found = findMergeCodes(`${before} ${written} ${after}`);
        expect(found).toContain(code);
      }),
    );
    expect(findMergeCodes('no code here, clipper-ABCDE-FGHJK')).toEqual([]);
  });
});

describe('link table', () => {
  it('builds the link formats of docs/links.md', () => {
    expect(LINKS.telegram!.mergeLink('shop_bot', { token: 'TOK' })).toBe('https://t.me/shop_bot?start=TOK');
    expect(LINKS.facebook!.mergeLink('shop.page', { token: 'TOK' })).toBe('https://m.me/shop.page?ref=TOK');
    expect(LINKS.instagram!.mergeLink('shop', { token: 'TOK' })).toBe('https://ig.me/m/shop?ref=TOK');
    expect(LINKS.viber!.mergeLink('shopuri', { token: 'TOK' })).toBe('viber://pa?chatURI=shopuri&context=TOK');
    expect(LINKS.vk!.mergeLink('club1', { token: 'TOK' })).toBe('https://vk.me/club1?ref=TOK');
    expect(LINKS.whatsapp!.mergeLink('+7 900 000-00-00', { code: 'cli-AAAAA-BBBBB' })).toBe('https://wa.me/79000000000?text=cli-AAAAA-BBBBB');
    expect(LINKS.line!.mergeLink('@shop', { code: 'cli-AAAAA-BBBBB' })).toBe('https://line.me/R/oaMessage/%40shop/?cli-AAAAA-BBBBB');
  });

  it('reads the start parameter of /start and /start@bot, and nothing else', () => {
    expect(startParameter('/start m-abc')).toBe('m-abc');
    expect(startParameter('/start@shop_bot m-abc')).toBe('m-abc');
    expect(startParameter('/start')).toBeNull();
    expect(startParameter('hello /start x')).toBeNull();
  });
});
