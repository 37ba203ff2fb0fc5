import { createHmac, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../domain/errors.js';

// docs/links.md (seed 003): an invite link carries JSON with the short keys p, e, eId, v, encoded Base64URL
// without padding, at most 64 characters — Telegram's limit for a start parameter; a messenger that takes
// longer parameters (MAX: 128) names its own limit in the link table (src/links/link-table.ts).

export const MAX_PAYLOAD_LENGTH = 64;

/** How long a deep link's parameter may be, and whose limit that is (named in `payload_too_long`). */
export interface PayloadLimit {
  length: number;
  /** e.g. "MAX's limit for a start parameter"; unnamed for the default */
  what?: string;
}

const DEFAULT_LIMIT: PayloadLimit = { length: MAX_PAYLOAD_LENGTH };

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

export function encodeInvitePayload(data: InviteData, reserved = 0, limit: PayloadLimit = DEFAULT_LIMIT): string {
  const compact: InviteData = {};
  if (data.p !== undefined) compact.p = data.p;
  if (data.e !== undefined) compact.e = data.e;
  if (data.eId !== undefined) compact.eId = data.eId;
  if (data.v !== undefined && Object.keys(data.v).length > 0) compact.v = data.v;
  if (Object.keys(compact).length === 0) throw new DomainError('invalid_request', 'data must carry at least one of p, e, eId, v');
  const payload = Buffer.from(JSON.stringify(compact), 'utf8').toString('base64url');
  requireFits(payload, reserved, limit);
  return payload;
}

/**
 * A raw payload (the seeds' clientExternalId) must fit the deep link and its alphabet too; `reserved`
 * characters are kept for the signature appended after it.
 */
export function requireFits(payload: string, reserved = 0, limit: PayloadLimit = DEFAULT_LIMIT): void {
  const length = payload.length + reserved;
  if (length > limit.length) {
    const over = length - limit.length;
    const signed = reserved > 0 ? ` with its ${reserved}-character signature` : '';
    const whose = limit.what ? ` (${limit.what})` : '';
    throw new DomainError(
      'payload_too_long',
      `the encoded payload is ${length} characters${signed}, ${over} over the limit of ${limit.length}${whose}; shorten values or use shorter variable names (e.g. {"v":{"stage":"1"}})`,
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

// ---- signed payloads (docs/links.md) --------------------------------------------------------
// Invite links made by the API carry a MAC after the payload: the first 48 bits of
// HMAC-SHA256(project invite secret, "invite:<bot id>:<payload>"), 8 characters of Base64URL. The
// payload stays readable (and the seeds' unsigned form keeps working); only a signed one is trusted to
// merge contacts by itself. A forger must guess 48 bits per message sent through the messenger.

export const SIGNATURE_LENGTH = 8;

function macOf(secret: string, botId: string, payload: string): string {
  return createHmac('sha256', secret).update(`invite:${botId}:${payload}`).digest().subarray(0, 6).toString('base64url');
}

export function signPayload(payload: string, secret: string, botId: string): string {
  return payload + macOf(secret, botId, payload);
}

/** The payload inside a signed one when its MAC is this bot's; null when it is not signed by us. */
export function verifySignedPayload(signed: string, secret: string, botId: string): string | null {
  if (signed.length <= SIGNATURE_LENGTH || !/^[A-Za-z0-9_-]+$/.test(signed)) return null;
  const payload = signed.slice(0, -SIGNATURE_LENGTH);
  const given = Buffer.from(signed.slice(-SIGNATURE_LENGTH));
  const expected = Buffer.from(macOf(secret, botId, payload));
  return given.length === expected.length && timingSafeEqual(given, expected) ? payload : null;
}
