import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blockedForms, clusterGroups, isRuleField, parseRuleFields, type KeyGroup } from '../src/domain/merge-rules.js';

// The pure part of docs/rules.md: which contacts end as one (connected components over shared keys, the
// oldest surviving), which groups are too widely shared, which rule fields exist.

const contactId = fc.integer({ min: 0, max: 30 }).map((n) => `c${String(n).padStart(2, '0')}`);
const group = fc.record({
  rule_id: fc.constantFrom('r1', 'r2', 'r3'),
  values: fc.array(fc.string(), { minLength: 1, maxLength: 2 }),
  contact_ids: fc.uniqueArray(contactId, { minLength: 1, maxLength: 8 }).map((ids) => ids.sort()),
});

/** Reference: reachability by repeated relaxation, the slow obvious way. */
function components(groups: KeyGroup[], maxShared: number): string[][] {
  const label = new Map<string, string>();
  const used = groups.filter((g) => g.contact_ids.length >= 2 && g.contact_ids.length <= maxShared);
  for (const g of used) for (const id of g.contact_ids) label.set(id, id);
  for (let changed = true; changed; ) {
    changed = false;
    for (const g of used) {
      const min = g.contact_ids.map((id) => label.get(id)!).sort()[0];
      for (const id of g.contact_ids) if (label.get(id)! > min) (label.set(id, min), (changed = true));
    }
  }
  const byLabel = new Map<string, string[]>();
  for (const [id, l] of label) byLabel.set(l, [...(byLabel.get(l) ?? []), id].sort());
  return [...byLabel.values()].filter((c) => c.length > 1).sort();
}

describe('clustering contacts that share match keys', () => {
  it('gives exactly the connected components, each led by its smallest (oldest) id', () => {
    fc.assert(
      fc.property(fc.array(group, { maxLength: 25 }), fc.integer({ min: 2, max: 8 }), (groups, maxShared) => {
        const clusters = clusterGroups(groups, maxShared);
        const got = clusters.map((c) => [c.survivor, ...c.members.map((m) => m.contact_id)].sort()).sort();
        expect(got).toEqual(components(groups, maxShared));
        for (const c of clusters) for (const m of c.members) expect(c.survivor < m.contact_id).toBe(true);
      }),
    );
  });

  it('gives every member evidence from a group it is in, and ignores groups over max_shared', () => {
    fc.assert(
      fc.property(fc.array(group, { maxLength: 25 }), fc.integer({ min: 2, max: 8 }), (groups, maxShared) => {
        for (const c of clusterGroups(groups, maxShared)) {
          for (const m of c.members) {
            const source = groups.find((g) => g.rule_id === m.rule_id && g.values === m.values && g.contact_ids.includes(m.contact_id));
            expect(source).toBeDefined();
            expect(source!.contact_ids.length).toBeLessThanOrEqual(maxShared);
          }
        }
      }),
    );
  });

  it('ends a chain A~B by phone, B~C by e-mail as one cluster into A', () => {
    const clusters = clusterGroups(
      [
        { rule_id: 'phone', values: ['+14155552671'], contact_ids: ['a', 'b'] },
        { rule_id: 'email', values: ['b@example.com'], contact_ids: ['b', 'c'] },
      ],
      20,
    );
    expect(clusters).toEqual([{ survivor: 'a', members: [expect.objectContaining({ contact_id: 'b' }), expect.objectContaining({ contact_id: 'c' })] }]);
  });
});

describe('rule fields', () => {
  it('accepts any non-empty list of distinct known fields, and refuses everything else', () => {
    const field = fc.oneof(fc.constantFrom('phone', 'email', 'external_id'), fc.stringMatching(/^[a-z_][a-z0-9_-]{0,10}$/).map((n) => `variables.${n}`), fc.string());
    fc.assert(
      fc.property(fc.array(field, { maxLength: 6 }), (fields) => {
        const valid = fields.length > 0 && new Set(fields).size === fields.length && fields.every(isRuleField);
        if (valid) expect(parseRuleFields(fields)).toEqual(fields);
        else expect(() => parseRuleFields(fields)).toThrow(expect.objectContaining({ code: 'invalid_rule' }));
      }),
    );
  });

  it('blocks a value as written, as an e-mail and as a phone of the region', () => {
    expect(blockedForms([' TEST@test.com ', '8 (900) 000-00-00', ''], 'RU')).toEqual(expect.arrayContaining(['TEST@test.com', 'test@test.com', '+79000000000']));
  });
});
