import { createHash, randomBytes, randomInt } from 'node:crypto';

// docs/links.md: merge tokens travel in deep links, merge codes are typed or pre-filled by the client. Both are
// stored only as their SHA-256, so a database dump cannot forge a link.

/** `m-` and 32 characters of base64url: 192 random bits, well inside Telegram's 64 characters of [A-Za-z0-9_-]. */
export function newMergeToken(): string {
  return `m-${randomBytes(24).toString('base64url')}`;
}

const TOKEN = /^m-[A-Za-z0-9_-]{32}$/;

export function isMergeToken(value: string): boolean {
  return TOKEN.test(value);
}

/** No 0/O, 1/I/L look-alikes: what a client reads off a screen they can type back. 32 symbols = 5 bits each. */
export const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

const GROUP = 5;

/** `cli-7KQ3M-9XTR2`: 10 symbols of a 31-symbol alphabet, about 49.5 random bits. */
export function newMergeCode(): string {
  const symbol = () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  const group = () => Array.from({ length: GROUP }, symbol).join('');
  return `cli-${group()}-${group()}`;
}

const CODE_IN_TEXT = new RegExp(`(?:^|[^A-Za-z0-9])cli[\\s-]?([${CODE_ALPHABET}]{${GROUP}})[\\s-]?([${CODE_ALPHABET}]{${GROUP}})(?![A-Za-z0-9])`, 'gi');

/** Every merge code written anywhere in a message, in its canonical form, whatever the case or separators. */
export function findMergeCodes(text: string): string[] {
  const codes = new Set<string>();
  for (const match of text.matchAll(CODE_IN_TEXT)) codes.add(`cli-${match[1].toUpperCase()}-${match[2].toUpperCase()}`);
  return [...codes];
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
