import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planMerge, revertContact, type FieldChoice, type MergeSide } from '../src/domain/merge-policy.js';

// docs/merging.md's policy on its own: what wins and what moves, for any two contacts.

const BOTS = [
  { bot_id: 'bot-tg', channel: 'telegram' },
  { bot_id: 'bot-wa', channel: 'whatsapp' },
  { bot_id: 'bot-mail', channel: 'email' },
  { bot_id: 'bot-vb', channel: 'viber' },
];

const phone = fc.constantFrom('+79001110000', '+79002220000', '+79003330000', '+15550001111');
const email = fc.constantFrom('a@x.io', 'b@x.io', 'c@x.io');
const json = fc.oneof(fc.integer(), fc.string({ maxLength: 3 }), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }));
const record = fc.dictionary(fc.constantFrom('plan', 'city', 'lang', 'crm', 'score'), json, { maxKeys: 4 });
const time = fc.option(fc.date({ min: new Date('2025-01-01'), max: new Date('2026-12-31'), noInvalidDate: true }).map((d) => d.toISOString()), { nil: null });

const side = (prefix: string) =>
  fc
    .record({
      name: fc.option(fc.constantFrom('Boris K', 'Olga', 'Анна'), { nil: null }),
      phone: fc.option(phone, { nil: null }),
      email: fc.option(email, { nil: null }),
      external_id: fc.option(fc.constantFrom('crm-1', 'crm-2'), { nil: null }),
      variables: record,
      preferences: record,
      tags: fc.uniqueArray(fc.constantFrom('vip', 'lead', 'paid', 'churned'), { maxLength: 4 }),
      alternates: fc.record({ phones: fc.uniqueArray(phone, { maxLength: 2 }), emails: fc.uniqueArray(email, { maxLength: 2 }) }),
      conversations: fc.array(fc.record({ bot: fc.constantFrom(...BOTS), last_message_at: time }), { maxLength: 5 }),
    })
    .map(({ conversations, ...rest }): MergeSide => ({
      id: `${prefix}-contact`,
      ...rest,
      conversations: conversations.map((c, i) => ({ id: `${prefix}-conv-${i}`, ...c.bot, last_message_at: c.last_message_at })),
    }));

const pair = fc.tuple(side('from'), side('to'));

describe('the merge policy', () => {
  it('never merges a contact into itself', () => {
    fc.assert(
      fc.property(side('same'), (contact) => {
        expect(() => planMerge(contact, contact)).toThrow(expect.objectContaining({ code: 'merge_into_itself' }));
      }),
    );
  });

  it("loses no phone or e-mail: each ends as the survivor's or among its alternates", () => {
    fc.assert(
      fc.property(pair, fc.constantFrom('from', 'to') as fc.Arbitrary<'from' | 'to'>, ([from, to], primary) => {
        const plan = planMerge(from, to, primary);
        const phones = new Set([plan.after.phone, ...to.alternates.phones, ...plan.alternates_added.phones]);
        const emails = new Set([plan.after.email, ...to.alternates.emails, ...plan.alternates_added.emails]);
        for (const p of [from.phone, to.phone, ...from.alternates.phones]) if (p !== null) expect(phones).toContain(p);
        for (const e of [from.email, to.email, ...from.alternates.emails]) if (e !== null) expect(emails).toContain(e);
        expect(plan.alternates_added.phones).not.toContain(plan.after.phone);
        expect(plan.alternates_added.phones.filter((p) => to.alternates.phones.includes(p))).toEqual([]);
      }),
    );
  });

  it("takes the merged contact's phone and e-mail where it has them, else keeps the survivor's", () => {
    fc.assert(
      fc.property(pair, ([from, to]) => {
        const { after } = planMerge(from, to);
        expect(after.phone).toBe(from.phone ?? to.phone);
        expect(after.email).toBe(from.email ?? to.email);
      }),
    );
  });

  it("keeps the survivor's phone and e-mail where it has them when a link merges (docs/links.md)", () => {
    fc.assert(
      fc.property(pair, ([from, to]) => {
        const { after } = planMerge(from, to, 'to');
        expect(after.phone).toBe(to.phone ?? from.phone);
        expect(after.email).toBe(to.email ?? from.email);
      }),
    );
  });

  it("lets the survivor's variables and external id win, the merged contact's fill the gaps", () => {
    fc.assert(
      fc.property(pair, ([from, to]) => {
        const { after } = planMerge(from, to);
        expect(Object.keys(after.variables).sort()).toEqual([...new Set([...Object.keys(from.variables), ...Object.keys(to.variables)])].sort());
        for (const [key, value] of Object.entries(after.variables)) expect(value).toEqual(key in to.variables ? to.variables[key] : from.variables[key]);
        expect(after.external_id).toBe(to.external_id ?? from.external_id);
      }),
    );
  });

  it('replaces preferences only when the merged contact has some', () => {
    fc.assert(
      fc.property(pair, ([from, to]) => {
        expect(planMerge(from, to).after.preferences).toEqual(Object.keys(from.preferences).length > 0 ? from.preferences : to.preferences);
      }),
    );
  });

  it('unites the tags', () => {
    fc.assert(
      fc.property(pair, ([from, to]) => {
        const { tags_added } = planMerge(from, to);
        expect([...to.tags, ...tags_added].sort()).toEqual([...new Set([...to.tags, ...from.tags])].sort());
        expect(tags_added.filter((t) => to.tags.includes(t))).toEqual([]);
      }),
    );
  });

  it("places every conversation once: e-mail and unmatched bots move whole, others join the survivor's latest on that bot", () => {
    fc.assert(
      fc.property(pair, ([from, to]) => {
        const plan = planMerge(from, to);
        const placed = [...plan.conversations_moved, ...plan.conversations_joined.map((j) => j.from)].sort();
        expect(placed).toEqual(from.conversations.map((c) => c.id).sort());
        for (const c of from.conversations) {
          const candidates = to.conversations.filter((t) => t.bot_id === c.bot_id);
          const join = plan.conversations_joined.find((j) => j.from === c.id);
          if (c.channel === 'email' || candidates.length === 0) {
            expect(join).toBeUndefined();
            continue;
          }
          const latest = candidates.reduce((best, t) => ((t.last_message_at ?? '') > (best.last_message_at ?? '') || ((t.last_message_at ?? '') === (best.last_message_at ?? '') && t.id > best.id) ? t : best));
          expect(join?.into).toBe(latest.id);
        }
      }),
    );
  });

  it("moves the joined conversations' last activity forward, never back", () => {
    fc.assert(
      fc.property(pair, ([from, to]) => {
        for (const bump of planMerge(from, to).conversations_bumped) {
          expect(bump.to).not.toBeNull();
          if (bump.from !== null) expect(bump.to! > bump.from).toBe(true);
        }
      }),
    );
  });

  it("gives back the survivor's own values when a merge is undone and nothing changed since", () => {
    fc.assert(
      fc.property(pair, ([from, to]) => {
        const plan = planMerge(from, to);
        expect(revertContact(plan.after, plan)).toEqual(plan.before.to);
      }),
    );
  });

  it('keeps on undo what was changed on the survivor after the merge', () => {
    fc.assert(
      fc.property(pair, phone, ([from, to], later) => {
        const plan = planMerge(from, to);
        const changed = { ...plan.after, phone: later, variables: { ...plan.after.variables, added_later: true } };
        const reverted = revertContact(changed, plan);
        expect(reverted.phone).toBe(later === plan.after.phone ? to.phone : later);
        expect(reverted.variables.added_later).toBe(true);
      }),
    );
  });

  describe("with the operator's per-field choice", () => {
    const sideOf = fc.constantFrom('from', 'to') as fc.Arbitrary<'from' | 'to'>;
    /** a choice over the fields and the variables the two contacts have */
    const choice = ([from, to]: [MergeSide, MergeSide]) =>
      fc.dictionary(
        fc.constantFrom('name', 'phone', 'email', 'external_id', ...[...new Set([...Object.keys(from.variables), ...Object.keys(to.variables)])].map((k) => `variables.${k}`)),
        sideOf,
        { maxKeys: 8 },
      );
    const pairAndChoice = pair.chain((sides) => fc.tuple(fc.constant(sides), choice(sides), sideOf));

    it('lets every chosen side win, whatever the default policy would keep', () => {
      fc.assert(
        fc.property(pairAndChoice, ([[from, to], fields, primary]) => {
          const plan = planMerge(from, to, primary, fields);
          for (const [field, side] of Object.entries(fields)) {
            const source = side === 'from' ? from : to;
            if (field.startsWith('variables.')) {
              const key = field.slice('variables.'.length);
              expect(plan.after.variables[key], field).toEqual(source.variables[key]);
              expect(key in plan.after.variables, field).toBe(key in source.variables);
            } else {
              expect(plan.after[field as 'name' | 'phone' | 'email' | 'external_id'], field).toBe(source[field as 'name' | 'phone' | 'email' | 'external_id']);
            }
          }
          expect(plan.fields ?? {}).toEqual(fields);
        }),
      );
    });

    it('still loses no phone or e-mail: the one not chosen is kept as an alternate', () => {
      fc.assert(
        fc.property(pairAndChoice, ([[from, to], fields, primary]) => {
          const plan = planMerge(from, to, primary, fields);
          const phones = new Set([plan.after.phone, ...to.alternates.phones, ...plan.alternates_added.phones]);
          const emails = new Set([plan.after.email, ...to.alternates.emails, ...plan.alternates_added.emails]);
          for (const p of [from.phone, to.phone]) if (p !== null) expect(phones).toContain(p);
          for (const e of [from.email, to.email]) if (e !== null) expect(emails).toContain(e);
        }),
      );
    });

    it("gives back both contacts' values on undo when nothing changed since", () => {
      fc.assert(
        fc.property(pairAndChoice, ([[from, to], fields, primary]) => {
          const plan = planMerge(from, to, primary, fields);
          expect(revertContact(plan.after, plan)).toEqual(plan.before.to);
          expect(plan.before.from).toEqual({ phone: from.phone, email: from.email });
        }),
      );
    });

    it('refuses a field that cannot be chosen or a variable neither contact has, naming it', () => {
      fc.assert(
        fc.property(pair, fc.constantFrom('nickname', 'variables.never_set', 'tags', 'variables.'), sideOf, ([from, to], field, side) => {
          const fields: FieldChoice = { [field]: side };
          expect(() => planMerge(from, to, 'from', fields)).toThrow(expect.objectContaining({ code: 'unknown_merge_field', message: expect.stringContaining(field) }));
        }),
      );
    });
  });
});
