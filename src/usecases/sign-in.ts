import { randomBytes } from 'node:crypto';
import { DomainError } from '../domain/errors.js';
import { decoyHash, verifyPassword } from '../domain/passwords.js';
import type { Store } from '../store/database.js';
import { deleteExpiredSessions, insertSession, selectApiKeyByHash, selectOperatorsByEmail } from '../store/operators.js';
import { keyActor, sessionTokenHash, type Caller } from './authenticate.js';
import { hashApiKey } from '../domain/api-keys.js';

/** How long a sign-in lasts (docs/ui.md). */
export const SESSION_HOURS = 12;

export type SignInInput = { email: string; password: string } | { api_key: string };

const WRONG_PASSWORD = 'The e-mail or password is wrong. Check them, or ask whoever runs omnimerge to create an operator for you.';
const WRONG_KEY = 'This API key is not known here. Check that you pasted all of it, or ask whoever runs omnimerge for one.';

/** Checks the credentials and opens a session; the token goes into the cookie and is stored only as its hash. */
export async function signIn(store: Store, input: SignInInput): Promise<{ token: string; expiresAt: Date; caller: Caller; email: string | null }> {
  let caller: Caller;
  let email: string | null = null;
  if ('api_key' in input) {
    const key = await selectApiKeyByHash(store.db, hashApiKey(input.api_key.trim()));
    if (!key) throw new DomainError('invalid_credentials', WRONG_KEY);
    caller = { projectId: key.project_id, name: keyActor(key.label), operatorId: null, email: null, apiKeyId: key.id, via: 'session' };
  } else {
    const candidates = await selectOperatorsByEmail(store.db, input.email.trim());
    let found: (typeof candidates)[number] | undefined;
    for (const candidate of candidates) {
      if (await verifyPassword(input.password, candidate.password_hash)) {
        found = candidate;
        break;
      }
    }
    if (candidates.length === 0) await verifyPassword(input.password, await decoyHash());
    if (!found) throw new DomainError('invalid_credentials', WRONG_PASSWORD);
    caller = { projectId: found.project_id, name: found.name, operatorId: found.id, email: found.email, apiKeyId: null, via: 'session' };
    email = found.email;
  }
  const token = `${caller.projectId}.${randomBytes(32).toString('base64url')}`;
  const expiresAt = new Date(Date.now() + SESSION_HOURS * 3600_000);
  await deleteExpiredSessions(store.db, caller.projectId);
  await insertSession(store.db, caller.projectId, { tokenHash: sessionTokenHash(token), operatorId: caller.operatorId, apiKeyId: caller.apiKeyId, expiresAt });
  return { token, expiresAt, caller, email };
}
