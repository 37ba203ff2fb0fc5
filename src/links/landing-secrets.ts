import { createHmac, randomBytes } from 'node:crypto';
import { CODE_ALPHABET } from './secrets.js';

// docs/links.md "One link for every messenger": the landing token names its project (so the page is found
// on the project's node without an API key) and carries 128 random bits. The merge link a button makes is
// derived from the landing token, so a second click answers the same link although only hashes are stored.

const PART = 22; // 16 bytes in base64url, no padding
const TOKEN = /^[A-Za-z0-9_-]{44}$/;

/** The project's id (16 bytes) and 16 random bytes, 44 characters of base64url. */
export function newLandingToken(projectId: string): string {
  return uuidBytes(projectId).toString('base64url') + randomBytes(16).toString('base64url');
}

/** The project a landing token belongs to; null when it cannot be one. */
export function landingTokenProject(token: string): string | null {
  if (!TOKEN.test(token)) return null;
  const bytes = Buffer.from(token.slice(0, PART), 'base64url');
  if (bytes.length !== 16 || bytes.toString('base64url') !== token.slice(0, PART)) return null;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The merge token and code of the `n`th merge link the page made for `channel` (a new one only when the
 * previous was replaced or its bot changed): `m-` and 32 characters, `cli-XXXXX-XXXXX`, like random ones.
 */
export function landingMergeSecrets(landingToken: string, channel: string, n: number): { token: string; code: string } {
  const mac = (what: string) => createHmac('sha256', landingToken).update(`${what}:${channel}:${n}`).digest();
  const token = `m-${mac('token').subarray(0, 24).toString('base64url')}`;
  let value = mac('code').readBigUInt64BE(0);
  const symbols: string[] = [];
  for (let i = 0; i < 10; i++) {
    symbols.push(CODE_ALPHABET[Number(value % BigInt(CODE_ALPHABET.length))]);
    value /= BigInt(CODE_ALPHABET.length);
  }
  return { token, code: `cli-${symbols.slice(0, 5).join('')}-${symbols.slice(5).join('')}` };
}

function uuidBytes(id: string): Buffer {
  return Buffer.from(id.replace(/-/g, ''), 'hex');
}
