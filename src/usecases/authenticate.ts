import { createHash } from 'node:crypto';
import type { Store } from '../store/database.js';
import { hashApiKey } from '../domain/api-keys.js';
import { selectApiKeyByHash, selectSession } from '../store/operators.js';


const REMEMBER_MS = 60_000;

/**
 * Who makes a request: an operator signed in by e-mail (recorded by name) or an API key, sent as a Bearer
 * key or signed in to the UI with it (recorded by the key's label; a key without one as "api").
 */
export interface Caller {
  projectId: string;
  /** the name history, journals and suggestion decisions record */
  name: string;
  operatorId: string | null;
  /** the operator's e-mail; null for an API key */
  email: string | null;
  apiKeyId: string | null;
  /** how the request proved it: a Bearer key, or a sign-in cookie */
  via: 'api_key' | 'session';
}

export function keyActor(label: string | null): string {
  return label ?? 'api';
}

/**
 * Answers who an API key belongs to, or null. Known keys are remembered for a minute so the hot path does
 * not pay a round trip per request; unknown keys are always asked again, unless `rememberedOnly` (a caller
 * refused for too many failures) says not to ask the database at all.
 */
export function createAuthenticator(store: Store): (apiKey: string, options?: { rememberedOnly?: boolean }) => Promise<Caller | null> {
  const known = new Map<string, { caller: Caller; until: number }>();
  return async (apiKey, { rememberedOnly = false } = {}) => {
    const keyHash = hashApiKey(apiKey);
    const hit = known.get(keyHash);
    if (hit && hit.until > Date.now()) return hit.caller;
    if (rememberedOnly) return null;
    const key = await selectApiKeyByHash(store.db, keyHash);
    if (!key) {
      known.delete(keyHash);
      return null;
    }
    const caller: Caller = { projectId: key.project_id, name: keyActor(key.label), operatorId: null, email: null, apiKeyId: key.id, via: 'api_key' };
    known.set(keyHash, { caller, until: Date.now() + REMEMBER_MS });
    return caller;
  };
}

/** A session token is `<project id>.<secret>`; stored as its SHA-256. */
export function sessionTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

const TOKEN = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.[A-Za-z0-9_-]{43}$/;

/** The caller a sign-in cookie stands for, or null when it is unknown, expired or its operator is disabled. */
export async function authenticateSession(store: Store, token: string): Promise<Caller | null> {
  const match = TOKEN.exec(token);
  if (!match) return null;
  const projectId = match[1];
  const session = await selectSession(store.db, projectId, sessionTokenHash(token));
  if (!session) return null;
  if (session.operator_id) return { projectId, name: session.operator_name!, operatorId: session.operator_id, email: session.operator_email, apiKeyId: null, via: 'session' };
  return { projectId, name: keyActor(session.api_key_label), operatorId: null, email: null, apiKeyId: session.api_key_id, via: 'session' };
}
