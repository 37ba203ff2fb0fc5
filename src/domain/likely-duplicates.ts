/**
 * Likely duplicates (docs/likely-duplicates.md): how alike two contacts are, as a score from 0 to 1 with the
 * evidence behind it. Pure: no SQL, no HTTP.
 *
 * The model is Fellegi–Sunter style: each field both contacts have is compared, the comparison's outcome
 * adds its weight (a log-odds: positive for agreement, negative for disagreement) to a prior, and the
 * sum is squashed to 0–1 with the logistic function. A field missing on either side adds nothing.
 * Every weight is in WEIGHTS below and nowhere else.
 */

export const WEIGHTS = {
  /** log-odds before any evidence: two contacts of a base are very rarely one person */
  prior: -5,
  name: {
    /** the same name (same words, any order, any case) */
    same: 3.5,
    /** the same name written in another script (Алексей Иванов / Aleksei Ivanov) */
    transliterated: 3.5,
    /** trigram similarity s ≥ 0.5 of the Latin skeletons: weight `similar * s` (so below `same`) */
    similar: 3,
    /** trigram similarity below 0.3 */
    different: -2.5,
  },
  phone: {
    same: 6,
    /** the same last 7 digits under another country code */
    sameLast7: 4,
    /** two adjacent digits swapped: a typing slip */
    transposed: 4,
    /** one digit differs */
    oneDigit: 3.5,
    different: -2,
  },
  email: {
    same: 7,
    /** the same after removing dots and +tags, where the provider ignores them (gmail.com, …) */
    sameNormalized: 6,
    /** the same local part at another domain */
    sameLocalPart: 2,
    different: -1.5,
  },
  variables: {
    /** each variable with the same value on both */
    same: 2,
    /** agreeing variables add at most this much together */
    sameCap: 4,
    /** each variable with different values */
    different: -0.5,
  },
} as const;

/** The default of the project setting `likely_threshold`: pairs scoring below it are not shown or suggested. */
export const DEFAULT_LIKELY_THRESHOLD = 0.8;

/** Names below this trigram similarity count as different, at or above SIMILAR_NAME as similar. */
const DIFFERENT_NAME = 0.3;
const SIMILAR_NAME = 0.5;

export interface LikelyContact {
  name: string | null;
  phone: string | null;
  email: string | null;
  variables: Record<string, unknown>;
}

export type Comparison =
  | 'same'
  | 'transliterated'
  | 'similar'
  | 'same last 7 digits'
  | 'two adjacent digits swapped'
  | 'differs in one digit'
  | 'same after removing dots/+tags'
  | 'same local part'
  | 'same variable'
  | 'different';

export interface EvidenceItem {
  /** name, phone, email, or variables.<key> */
  field: string;
  a: string;
  b: string;
  comparison: Comparison;
  /** names: trigram similarity of the Latin skeletons, 0–1 */
  similarity?: number;
  /** what this comparison added to the log-odds */
  weight: number;
}

export interface LikelyScore {
  /** 0–1, rounded to 3 decimals */
  score: number;
  evidence: EvidenceItem[];
}

export function scoreLikelyDuplicate(a: LikelyContact, b: LikelyContact): LikelyScore {
  const evidence: EvidenceItem[] = [];
  const name = compareNames(a.name, b.name);
  if (name) evidence.push(name);
  const phone = comparePhones(a.phone, b.phone);
  if (phone) evidence.push(phone);
  const email = compareEmails(a.email, b.email);
  if (email) evidence.push(email);
  evidence.push(...compareVariables(a.variables, b.variables));
  const logOdds = WEIGHTS.prior + evidence.reduce((sum, e) => sum + e.weight, 0);
  return { score: round(1 / (1 + Math.exp(-logOdds)), 3), evidence };
}

/** Whether a contact has a variable the score can compare: without one, a name alone never reaches a useful score. */
export function hasComparableVariables(variables: Record<string, unknown>): boolean {
  return Object.values(variables).some((v) => scalar(v) !== null);
}

// ---- names ----

/**
 * Cyrillic to Latin, close to the Russian passport transliteration (ICAO 9303), with the Ukrainian and
 * Belarusian letters. Used for the skeleton names are compared by; the same table builds the database's
 * blocking key (src/store/likely-keys.ts).
 */
export const CYRILLIC_TO_LATIN: ReadonlyArray<readonly [string, string]> = [
  ['щ', 'shch'], ['ж', 'zh'], ['х', 'kh'], ['ц', 'ts'], ['ч', 'ch'], ['ш', 'sh'], ['ю', 'yu'], ['я', 'ya'],
  ['а', 'a'], ['б', 'b'], ['в', 'v'], ['г', 'g'], ['д', 'd'], ['е', 'e'], ['ё', 'e'], ['з', 'z'], ['и', 'i'],
  ['й', 'i'], ['к', 'k'], ['л', 'l'], ['м', 'm'], ['н', 'n'], ['о', 'o'], ['п', 'p'], ['р', 'r'], ['с', 's'],
  ['т', 't'], ['у', 'u'], ['ф', 'f'], ['ъ', ''], ['ы', 'y'], ['ь', ''], ['э', 'e'], ['і', 'i'], ['ї', 'i'],
  ['є', 'e'], ['ґ', 'g'], ['ў', 'u'],
];

/**
 * Spellings of one sound folded together after transliteration, in this order: Alexey, Aleksei and
 * Алексей all become `aleksei`, Artyom and Артём `artem`; doubled letters then become one (Natalya / Nataliya / Наталья → natalia).
 */
export const LATIN_FOLDS: ReadonlyArray<readonly [string, string]> = [
  ['x', 'ks'], ['yo', 'e'], ['j', 'i'], ['y', 'i'], ['w', 'v'], ['kh', 'h'], ['ts', 'c'], ['tz', 'c'], ['ph', 'f'],
];

/** The name lower-cased, without marks, punctuation or digits, words single-spaced. */
export function cleanName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[\p{P}\p{S}\p{N}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The Latin skeleton of a name: transliterated, spelling variants folded, doubled letters single. */
export function nameSkeleton(name: string): string {
  let text = name.toLowerCase();
  for (const [cyr, lat] of CYRILLIC_TO_LATIN) text = text.replaceAll(cyr, lat);
  text = cleanName(text);
  for (const [from, to] of LATIN_FOLDS) text = text.replaceAll(from, to);
  return text.replace(/(\p{L})\1+/gu, '$1');
}

const sortedWords = (text: string) => text.split(' ').sort().join(' ');
const hasCyrillic = (text: string) => /\p{Script=Cyrillic}/u.test(text);
const hasLatin = (text: string) => /\p{Script=Latin}/u.test(text);

/** pg_trgm's trigrams: each word padded with two spaces before and one after. */
function trigrams(text: string): Set<string> {
  const set = new Set<string>();
  for (const word of text.split(' ')) {
    if (word === '') continue;
    const padded = `  ${word} `;
    for (let i = 0; i + 3 <= padded.length; i++) set.add(padded.slice(i, i + 3));
  }
  return set;
}

/** Shared trigrams over all distinct trigrams, as pg_trgm's `similarity`. */
export function trigramSimilarity(a: string, b: string): number {
  const ta = trigrams(a);
  const tb = trigrams(b);
  if (ta.size === 0 || tb.size === 0) return 0;
  let shared = 0;
  for (const t of ta) if (tb.has(t)) shared++;
  return shared / (ta.size + tb.size - shared);
}

function compareNames(rawA: string | null, rawB: string | null): EvidenceItem | null {
  const a = rawA ? cleanName(rawA) : '';
  const b = rawB ? cleanName(rawB) : '';
  if (a === '' || b === '') return null;
  const item = { field: 'name', a: rawA!, b: rawB! };
  if (sortedWords(a) === sortedWords(b)) return { ...item, comparison: 'same', weight: WEIGHTS.name.same };
  const sa = nameSkeleton(a);
  const sb = nameSkeleton(b);
  const otherScript = (hasCyrillic(a) && hasLatin(b)) || (hasLatin(a) && hasCyrillic(b));
  if (sortedWords(sa) === sortedWords(sb)) {
    return otherScript
      ? { ...item, comparison: 'transliterated', weight: WEIGHTS.name.transliterated }
      : { ...item, comparison: 'similar', similarity: 1, weight: WEIGHTS.name.similar };
  }
  const similarity = round(trigramSimilarity(sa, sb), 2);
  if (similarity >= SIMILAR_NAME) return { ...item, comparison: 'similar', similarity, weight: round(WEIGHTS.name.similar * similarity, 2) };
  if (similarity < DIFFERENT_NAME) return { ...item, comparison: 'different', similarity, weight: WEIGHTS.name.different };
  return null; // between: neither for nor against
}

// ---- phones (E.164, as contacts keep them) ----

const digits = (phone: string) => phone.replace(/\D/g, '');

function comparePhones(a: string | null, b: string | null): EvidenceItem | null {
  if (!a || !b) return null;
  const da = digits(a);
  const db = digits(b);
  if (da === '' || db === '') return null;
  const item = { field: 'phone', a, b };
  if (da === db) return { ...item, comparison: 'same', weight: WEIGHTS.phone.same };
  if (da.length === db.length) {
    const diff: number[] = [];
    for (let i = 0; i < da.length && diff.length <= 2; i++) if (da[i] !== db[i]) diff.push(i);
    if (diff.length === 1) return { ...item, comparison: 'differs in one digit', weight: WEIGHTS.phone.oneDigit };
    if (diff.length === 2 && diff[1] === diff[0] + 1 && da[diff[0]] === db[diff[1]] && da[diff[1]] === db[diff[0]]) {
      return { ...item, comparison: 'two adjacent digits swapped', weight: WEIGHTS.phone.transposed };
    }
  }
  if (da.length >= 7 && db.length >= 7 && da.slice(-7) === db.slice(-7)) return { ...item, comparison: 'same last 7 digits', weight: WEIGHTS.phone.sameLast7 };
  return { ...item, comparison: 'different', weight: WEIGHTS.phone.different };
}

/** Every phone one digit or one adjacent swap away, in E.164: what a lookup probes for. */
export function phoneNeighbours(phone: string): string[] {
  const d = digits(phone);
  const out = new Set<string>();
  for (let i = 0; i < d.length; i++) {
    for (let digit = 0; digit <= 9; digit++) if (String(digit) !== d[i]) out.add(`+${d.slice(0, i)}${digit}${d.slice(i + 1)}`);
    if (i + 1 < d.length && d[i] !== d[i + 1]) out.add(`+${d.slice(0, i)}${d[i + 1]}${d[i]}${d.slice(i + 2)}`);
  }
  out.delete(`+${d}`);
  return [...out];
}

// ---- e-mails ----

/** Providers that deliver `a.b+x@` to `ab@`: dots and everything after `+` in the local part are ignored. */
const IGNORE_DOTS_AND_TAGS = new Set(['gmail.com', 'googlemail.com']);
/** Providers that deliver `a+x@` to `a@` but keep dots. */
const IGNORE_TAGS = new Set(['outlook.com', 'hotmail.com', 'live.com', 'icloud.com', 'me.com', 'fastmail.com', 'protonmail.com', 'proton.me', 'yandex.ru', 'ya.ru']);
/** Another name of the same mailbox domain. */
const SAME_DOMAIN: Record<string, string> = { 'googlemail.com': 'gmail.com', 'ya.ru': 'yandex.ru' };

/** The address as its provider delivers it: `A.Ivanov+work@googlemail.com` → `aivanov@gmail.com`. */
export function canonicalEmail(email: string): string {
  const text = email.trim().toLowerCase();
  const at = text.lastIndexOf('@');
  if (at < 0) return text;
  let local = text.slice(0, at);
  const domain = text.slice(at + 1);
  if (IGNORE_DOTS_AND_TAGS.has(domain) || IGNORE_TAGS.has(domain)) local = local.split('+')[0];
  if (IGNORE_DOTS_AND_TAGS.has(domain)) local = local.replaceAll('.', '');
  return `${local}@${SAME_DOMAIN[domain] ?? domain}`;
}

/** The blocking key of an address: its local part with dots and +tags removed (whatever the provider). */
export function emailLocalKey(email: string): string {
  const text = email.trim().toLowerCase();
  return text.slice(0, Math.max(0, text.lastIndexOf('@'))).split('+')[0].replaceAll('.', '');
}

function compareEmails(a: string | null, b: string | null): EvidenceItem | null {
  if (!a || !b) return null;
  const la = a.trim().toLowerCase();
  const lb = b.trim().toLowerCase();
  if (la === '' || lb === '') return null;
  const item = { field: 'email', a, b };
  if (la === lb) return { ...item, comparison: 'same', weight: WEIGHTS.email.same };
  if (canonicalEmail(la) === canonicalEmail(lb)) return { ...item, comparison: 'same after removing dots/+tags', weight: WEIGHTS.email.sameNormalized };
  if (la.split('@')[0] === lb.split('@')[0]) return { ...item, comparison: 'same local part', weight: WEIGHTS.email.sameLocalPart };
  return { ...item, comparison: 'different', weight: WEIGHTS.email.different };
}

// ---- variables ----

function scalar(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() === '' ? null : value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

function compareVariables(a: Record<string, unknown>, b: Record<string, unknown>): EvidenceItem[] {
  const items: EvidenceItem[] = [];
  let agreed = 0;
  for (const key of Object.keys(a).filter((k) => Object.hasOwn(b, k)).sort()) {
    const va = scalar(a[key]);
    const vb = scalar(b[key]);
    if (va === null || vb === null) continue;
    const item = { field: `variables.${key}`, a: va, b: vb };
    if (va.toLowerCase() === vb.toLowerCase()) {
      const weight = Math.min(WEIGHTS.variables.same, WEIGHTS.variables.sameCap - agreed);
      agreed += weight;
      items.push({ ...item, comparison: 'same variable', weight });
    } else {
      items.push({ ...item, comparison: 'different', weight: WEIGHTS.variables.different });
    }
  }
  return items;
}

function round(value: number, places: number): number {
  const f = 10 ** places;
  return Math.round(value * f) / f;
}

/** The evidence in words, for CLI output and logs: `phone +79001234567 / +79001234576: two adjacent digits swapped`. */
export function describeEvidence(item: EvidenceItem): string {
  const how = item.comparison === 'similar' && item.similarity !== undefined ? `similar (${Math.round(item.similarity * 100)}%)` : item.comparison;
  return `${item.field} ${item.a} / ${item.b}: ${how}`;
}
