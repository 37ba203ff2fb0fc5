import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { DomainError } from './errors.js';

// Operators' passwords are stored as scrypt hashes (docs/ui.md): N = 2^15, r = 8, p = 1 (32 MiB and about
// 0.1 s a hash on a busy 2-core machine), a 16-byte random salt and a 32-byte key, written as `scrypt$N$r$p$salt$key` (base64url),
// so hashes made with other parameters stay readable when the parameters change.

const PARAMS = { N: 2 ** 15, r: 8, p: 1 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;
export const MIN_PASSWORD = 10;
export const MAX_PASSWORD = 200;

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/** A password an operator may choose: long enough to resist guessing, short enough to hash quickly. */
export function checkPassword(password: string): void {
  if ([...password].length < MIN_PASSWORD) throw new DomainError('weak_password', `the password must have at least ${MIN_PASSWORD} characters`);
  if ([...password].length > MAX_PASSWORD) throw new DomainError('weak_password', `the password may have at most ${MAX_PASSWORD} characters`);
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Compares in constant time; an unreadable hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A hash of nothing, checked when no operator has the e-mail, so an unknown e-mail takes as long as a wrong password. */
let decoy: Promise<string> | null = null;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  return decoy;
}
