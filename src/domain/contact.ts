import { DomainError } from './errors.js';
import { requireEmail, requirePhone } from './normalize.js';

/** Contact fields as a caller writes them (null clears a field), and the same after normalization. */
export interface ContactInput {
  name?: string | null;
  phone?: string | null;
  email?: string | null;
  external_id?: string | null;
  variables?: Record<string, unknown>;
  tags?: string[];
}

const blankToNull = (value: string | null | undefined) => (value === undefined ? undefined : value === null || value.trim() === '' ? null : value.trim());

/** The longest text a field may hold, as the API's schema says: an import is held to the same. */
export const FIELD_LIMITS = { name: 500, phone: 50, email: 320, external_id: 500 } as const;

/** Phones to E.164 with the project's region, e-mails trimmed and lower-cased, text trimmed (docs/rules.md). */
export function normalizeContactInput(input: ContactInput, defaultRegion: string | null): ContactInput {
  for (const [field, limit] of Object.entries(FIELD_LIMITS)) {
    const value = input[field as keyof typeof FIELD_LIMITS];
    if (typeof value === 'string' && value.length > limit) throw new DomainError('invalid_request', `${field} is longer than ${limit} characters`);
  }
  const out: ContactInput = {};
  const name = blankToNull(input.name);
  if (name !== undefined) out.name = name;
  const phone = blankToNull(input.phone);
  if (phone !== undefined) out.phone = phone === null ? null : requirePhone(phone, defaultRegion);
  const email = blankToNull(input.email);
  if (email !== undefined) out.email = email === null ? null : requireEmail(email);
  const externalId = blankToNull(input.external_id);
  if (externalId !== undefined) out.external_id = externalId;
  if (input.variables !== undefined) out.variables = input.variables;
  if (input.tags !== undefined) out.tags = normalizeTags(input.tags);
  return out;
}

/** A new contact's stored fields from normalized input: what was left out is null (variables: empty). */
export function newContactFields(fields: ContactInput) {
  return {
    name: fields.name ?? null,
    phone: fields.phone ?? null,
    email: fields.email ?? null,
    external_id: fields.external_id ?? null,
    variables: fields.variables ?? {},
  };
}

export function normalizeTags(tags: string[]): string[] {
  const clean = [...new Set(tags.map((t) => t.trim()).filter((t) => t !== ''))];
  const tooLong = clean.find((t) => t.length > 100);
  if (tooLong) throw new DomainError('invalid_request', `tag "${tooLong.slice(0, 20)}…" is longer than 100 characters`);
  return clean.sort();
}
