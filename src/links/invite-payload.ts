import { DomainError } from '../domain/errors.js';

// docs/links.md (seed 003): an invite link carries JSON with the short keys p, e, eId, v, encoded Base64URL
// without padding, at most 64 characters — Telegram's limit for a start parameter.

export const MAX_PAYLOAD_LENGTH = 64;

export interface InviteData {
  /** phone */
  p?: string;
  /** e-mail */
  e?: string;
  /** external id (the seeds' clientExternalId) */
  eId?: string;
  /** variables */
  v?: Record<string, string | number | boolean>;
}

const KEYS = new Set(['p', 'e', 'eId', 'v']);

export function encodeInvitePayload(data: InviteData): string {
  const compact: InviteData = {};
  if (data.p !== undefined) compact.p = data.p;
  if (data.e !== undefined) compact.e = data.e;
  if (data.eId !== undefined) compact.eId = data.eId;
  if (data.v !== undefined && Object.keys(data.v).length > 0) compact.v = data.v;
  if (Object.keys(compact).length === 0) throw new DomainError('invalid_request', 'data must carry at least one of p, e, eId, v');
  const payload = Buffer.from(JSON.stringify(compact), 'utf8').toString('base64url');
  requireFits(payload);
  return payload;
}

/** A raw payload (the seeds' clientExternalId) must fit the deep link and its alphabet too. */
export function requireFits(payload: string): void {
  if (payload.length > MAX_PAYLOAD_LENGTH) {
    const over = payload.length - MAX_PAYLOAD_LENGTH;
    throw new DomainError(
      'payload_too_long',
      `the encoded payload is ${payload.length} characters, ${over} over the limit of ${MAX_PAYLOAD_LENGTH}; shorten values or use shorter variable names (e.g. {"v":{"stage":"1"}})`,
    );
  }
  if (!/^[A-Za-z0-9_-]+$/.test(payload)) {
    throw new DomainError('invalid_request', 'a payload may only use the characters A-Z a-z 0-9 _ - (what a Telegram start parameter allows)');
  }
}

export type DecodedPayload = { kind: 'data'; data: InviteData } | { kind: 'external_id'; value: string };

/** Invite data when the payload is such JSON; otherwise the payload itself is the client's external id. */
export function decodeInvitePayload(payload: string): DecodedPayload {
  const raw = payload.trim();
  const data = tryJson(raw);
  return data ? { kind: 'data', data } : { kind: 'external_id', value: raw };
}

function tryJson(payload: string): InviteData | null {
  if (!/^[A-Za-z0-9_-]+$/.test(payload)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const entries = Object.entries(parsed);
  if (entries.length === 0 || !entries.every(([k]) => KEYS.has(k))) return null;
  const data: InviteData = {};
  for (const [key, value] of entries) {
    if (key === 'v') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
      const variables = Object.entries(value).filter(([, x]) => ['string', 'number', 'boolean'].includes(typeof x));
      data.v = Object.fromEntries(variables) as InviteData['v'];
    } else if (typeof value === 'string' || typeof value === 'number') {
      data[key as 'p' | 'e' | 'eId'] = String(value);
    } else {
      return null;
    }
  }
  return data;
}
