import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { DomainError } from './errors.js';

/** "+" and seven digits: the shortest numbers in service (e.g. +683 and four digits) */
const MIN_E164_LENGTH = 8;

/**
 * A phone in any common writing (`8 900 000-00-00`, `+7 (900) 000 00 00`, `79000000000`) to E.164,
 * read with the project's default region; null when it is not a valid number.
 */
export function normalizePhone(input: string, defaultRegion: string | null): string | null {
  const text = input.trim();
  if (text === '' || !/^[\d\s()+.\-\/]+$/.test(text)) return null;
  const region = defaultRegion && isSupportedCountry(defaultRegion) ? (defaultRegion as CountryCode) : undefined;
  const candidates = text.startsWith('+') ? [text] : [text, `+${text.replace(/\D/g, '')}`];
  for (const candidate of candidates) {
    const parsed = parsePhoneNumberFromString(candidate, region);
    // the library's compact metadata checks lengths per country loosely (it takes "1000" for a German
    // number); no number in service is shorter than seven digits with its country code
    if (parsed?.isValid() && parsed.number.length >= MIN_E164_LENGTH) return parsed.number;
  }
  return null;
}

export function requirePhone(input: string, defaultRegion: string | null): string {
  const phone = normalizePhone(input, defaultRegion);
  if (phone === null) {
    throw new DomainError(
      'invalid_phone',
      `"${input}" is not a valid phone number` +
        (defaultRegion ? ` for region ${defaultRegion}` : '; write it with its country code (e.g. +79001234567) or set default_region in settings'),
    );
  }
  return phone;
}

/** E-mails are compared trimmed and lower-cased (docs/rules.md). */
export function normalizeEmail(input: string): string | null {
  const email = input.trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) ? email : null;
}

export function requireEmail(input: string): string {
  const email = normalizeEmail(input);
  if (email === null) throw new DomainError('invalid_email', `"${input}" is not a valid e-mail address`);
  return email;
}

export function isRegion(input: string): boolean {
  return isSupportedCountry(input);
}
