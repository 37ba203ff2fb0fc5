import { createHash, randomBytes } from 'node:crypto';

// A project's API keys: made here, stored only as their hash.

/** Keys are stored as their SHA-256: a key is 256 random bits, so a fast hash is enough to make a leak useless. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function generateApiKey(): string {
  return `om_${randomBytes(32).toString('base64url')}`;
}
