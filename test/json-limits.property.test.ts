import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findBadText, replaceBadText, textProblem, withStorableText } from '../src/domain/text.js';
import { findNonFiniteNumber, JSON_LIMITS, jsonShapeProblem, jsonTextDepth } from '../src/domain/json-limits.js';

// The limits of free JSON fields and the text check, against plain recursive definitions of the same.

function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(depthOf));
}
function keysOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + keysOf(v), 0);
  return Object.keys(value).length + Object.values(value).reduce((n: number, v) => n + keysOf(v), 0);
}

const small = { depth: 4, keys: 12, bytes: 300 };
const json = fc.jsonValue({ maxDepth: 7 });

describe('free JSON limits', () => {
  it('refuses a value exactly when it is deeper, has more keys or is larger than the limits allow', () => {
    fc.assert(
      fc.property(json, (value) => {
        const within = depthOf(value) <= small.depth && keysOf(value) <= small.keys && Buffer.byteLength(JSON.stringify(value)) <= small.bytes;
        expect(jsonShapeProblem(value, small) === null).toBe(within);
      }),
      { numRuns: 500 },
    );
  });

  it('measures the nesting of JSON text the way the parsed value nests, strings with brackets included', () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(jsonTextDepth(JSON.stringify(value))).toBe(depthOf(value));
      }),
      { numRuns: 500 },
    );
  });

  it('checks values nested far deeper than the stack allows without failing', () => {
    const text = '['.repeat(200_000) + ']'.repeat(200_000);
    expect(jsonTextDepth(text, 64)).toBe(65);
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(jsonShapeProblem(deep)).toBe(`nests deeper than ${JSON_LIMITS.depth} levels`);
  });

  it('finds the field that holds Infinity', () => {
    expect(findNonFiniteNumber({ a: [1, { b: Infinity }] })).toBe('a[1].b');
    expect(findNonFiniteNumber(-Infinity)).toBe('the body');
    fc.assert(
      fc.property(json, (value) => {
        expect(findNonFiniteNumber(value)).toBeNull();
      }),
    );
  });
});

describe('storable text', () => {
  const anyText = fc.string({ unit: 'binary' }); // any UTF-16 code units: NUL and lone surrogates included
  it('finds a problem exactly in text that UTF-8 cannot round-trip or that holds NUL', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const roundTrips = Buffer.from(text, 'utf8').toString('utf8') === text;
        expect(textProblem(text) === null).toBe(roundTrips && !text.includes('\u0000'));
      }),
      { numRuns: 1000 },
    );
  });

  it('replaces only what cannot be stored, leaving good text as it was', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const clean = replaceBadText(text);
        expect(textProblem(clean)).toBeNull();
        expect(clean.length).toBe(text.length);
        if (textProblem(text) === null) expect(clean).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });

  it('names where the bad text is, and a cleaned copy has none', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), anyText, (value, text) => {
        const holder = { field: value, other: { list: [text] } };
        const bad = findBadText(holder);
        if (textProblem(text) !== null) expect(bad).not.toBeNull();
        expect(findBadText(withStorableText(holder))).toBeNull();
      }),
      { numRuns: 300 },
    );
    expect(findBadText({ variables: { city: 'a\u0000' } })).toEqual({ field: 'variables.city', problem: 'contains a NUL character (U+0000)' });
  });
});
