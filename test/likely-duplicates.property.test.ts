import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalEmail,
  nameSkeleton,
  phoneNeighbours,
  scoreLikelyDuplicate,
  trigramSimilarity,
  type LikelyContact,
} from '../src/domain/likely-duplicates.js';

// The pure scoring model of docs/likely-duplicates.md: how alike two contacts are, and why.

const names = ['Aleksei Ivanov', 'Алексей Иванов', 'Alexey Ivanov', 'Ivanov Aleksei', 'Maria Petrova', 'Мария Петрова', 'Marya Petrova', 'Ann Lee', 'Igor', ''];
const phones = ['+79001234567', '+79001234576', '+79001234568', '+79011234567', '+77001234567', '+12025550123', '+12025550132'];
const emails = ['a.ivanov@gmail.com', 'aivanov@gmail.com', 'aivanov+work@googlemail.com', 'aivanov@yandex.ru', 'maria@example.com', 'Maria@example.com', 'ann@ex.org'];
const variableValues = ['Moscow', 'moscow', 'Berlin', 'Acme', 'Globex', 42, true, ''];

const contact: fc.Arbitrary<LikelyContact> = fc.record({
  name: fc.option(fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 20 })), { nil: null }),
  phone: fc.option(fc.constantFrom(...phones), { nil: null }),
  email: fc.option(fc.constantFrom(...emails), { nil: null }),
  variables: fc.dictionary(fc.constantFrom('city', 'company', 'plan', 'team'), fc.constantFrom(...variableValues), { maxKeys: 4 }),
});

/** The same value for a field on both contacts, where at least one lacked it: agreeing evidence. */
const agreement = fc.oneof(
  fc.record({ field: fc.constant('name' as const), value: fc.constantFrom(...names.filter((n) => n !== '')) }),
  fc.record({ field: fc.constant('phone' as const), value: fc.constantFrom(...phones) }),
  fc.record({ field: fc.constant('email' as const), value: fc.constantFrom(...emails) }),
  fc.record({ field: fc.constantFrom('variables.city', 'variables.company', 'variables.extra'), value: fc.constantFrom('Moscow', 'Acme', 'x') }),
);

function withField(c: LikelyContact, field: string, value: string): LikelyContact {
  if (field.startsWith('variables.')) return { ...c, variables: { ...c.variables, [field.slice(10)]: value } };
  return { ...c, [field]: value };
}

function lacks(c: LikelyContact, field: string): boolean {
  if (field.startsWith('variables.')) return !Object.hasOwn(c.variables, field.slice(10));
  return !c[field as 'name' | 'phone' | 'email'];
}

describe('likely-duplicate score', () => {
  it('is the same whichever contact comes first', () => {
    fc.assert(fc.property(contact, contact, (a, b) => {
      expect(scoreLikelyDuplicate(a, b).score).toBe(scoreLikelyDuplicate(b, a).score);
    }));
  });

  it('is between 0 and 1', () => {
    fc.assert(
      fc.property(contact, contact, (a, b) => {
        const { score } = scoreLikelyDuplicate(a, b);
        expect(score).toBeGreaterThanOrEqual(0);
        expect(score).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('is highest for a contact and itself', () => {
    fc.assert(fc.property(contact, contact, (a, b) => {
      expect(scoreLikelyDuplicate(a, a).score).toBeGreaterThanOrEqual(scoreLikelyDuplicate(a, b).score);
    }));
  });

  it('never goes down when both contacts get the same value for a field one of them lacked', () => {
    fc.assert(
      fc.property(contact, contact, agreement, (a, b, { field, value }) => {
        fc.pre(lacks(a, field) || lacks(b, field));
        const before = scoreLikelyDuplicate(a, b).score;
        const after = scoreLikelyDuplicate(withField(a, field, value), withField(b, field, value)).score;
        expect(after).toBeGreaterThanOrEqual(before);
      }),
    );
  });

  it('explains every score with the fields, both values and how they compare', () => {
    const { score, evidence } = scoreLikelyDuplicate(
      { name: 'Aleksei Ivanov', phone: '+79001234567', email: 'a.ivanov@gmail.com', variables: { city: 'Moscow' } },
      { name: 'Алексей Иванов', phone: '+79001234576', email: 'aivanov@gmail.com', variables: { city: 'moscow' } },
    );
    expect(evidence.map((e) => [e.field, e.comparison])).toEqual([
      ['name', 'transliterated'],
      ['phone', 'two adjacent digits swapped'],
      ['email', 'same after removing dots/+tags'],
      ['variables.city', 'same variable'],
    ]);
    expect(evidence[0]).toMatchObject({ a: 'Aleksei Ivanov', b: 'Алексей Иванов' });
    expect(score).toBeGreaterThan(0.99);
  });

  it('reaches the default threshold for a name with a phone one digit off, or with two same variables, but not for a name alone', () => {
    const base = { name: 'Maria Petrova', phone: null, email: null, variables: {} };
    expect(scoreLikelyDuplicate({ ...base, phone: '+79001234567' }, { ...base, name: 'Мария Петрова', phone: '+79001234568' }).score).toBeGreaterThanOrEqual(0.8);
    expect(scoreLikelyDuplicate({ ...base, variables: { city: 'Kazan', company: 'Acme' } }, { ...base, variables: { city: 'Kazan', company: 'ACME' } }).score).toBeGreaterThanOrEqual(0.8);
    expect(scoreLikelyDuplicate(base, base).score).toBeLessThan(0.8);
    expect(scoreLikelyDuplicate({ ...base, phone: '+79001234567' }, { ...base, name: 'Ann Lee', phone: '+79001234568' }).score).toBeLessThan(0.5);
  });

  it('treats dots and +tags as one mailbox only where the provider does', () => {
    expect(canonicalEmail('A.Ivanov+crm@googlemail.com')).toBe('aivanov@gmail.com');
    expect(canonicalEmail('a.ivanov+crm@outlook.com')).toBe('a.ivanov@outlook.com');
    expect(canonicalEmail('a.ivanov+crm@example.com')).toBe('a.ivanov+crm@example.com');
  });

  it('writes Cyrillic and Latin spellings of a name as one skeleton', () => {
    expect(nameSkeleton('Алексей Иванов')).toBe(nameSkeleton('Alexey Ivanov'));
    expect(nameSkeleton('Наталья')).toBe(nameSkeleton('Nataliya'));
    expect(nameSkeleton('Юрий')).toBe(nameSkeleton('Yury'));
    expect(nameSkeleton('Артём')).toBe(nameSkeleton('Artyom'));
    expect(trigramSimilarity('aleksei', 'aleksei')).toBe(1);
  });

  it('lists a phone one digit or one swap away among its neighbours, and not the phone itself', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\+[1-9]\d{9,12}$/), fc.nat(), (phone, seed) => {
        const neighbours = phoneNeighbours(phone);
        expect(neighbours).not.toContain(phone);
        const d = phone.slice(1);
        const i = seed % d.length;
        const changed = `+${d.slice(0, i)}${(Number(d[i]) + 1) % 10}${d.slice(i + 1)}`;
        expect(neighbours).toContain(changed);
      }),
    );
  });
});

