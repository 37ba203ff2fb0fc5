import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, maxAttempts, retryCap, retryDelay, type RetryPolicy } from '../src/events/retry.js';

const HOUR = 3_600_000;

const policies = fc
  .record({ baseMs: fc.integer({ min: 1, max: 60_000 }), maxFactor: fc.integer({ min: 1, max: 10_000 }), giveUpFactor: fc.double({ min: 0, max: 300, noNaN: true }) })
  .map(({ baseMs, maxFactor, giveUpFactor }): RetryPolicy => ({
    baseMs,
    maxDelayMs: baseMs * maxFactor,
    giveUpAfterMs: Math.max(1, Math.round(baseMs * maxFactor * giveUpFactor)),
  }));

/** Every wait of one delivery's life, with the given jitter, until it is dead. */
function schedule(policy: RetryPolicy, random: () => number): number[] {
  const waits: number[] = [];
  for (let attempts = 1; ; attempts++) {
    const wait = retryDelay(attempts, policy, random);
    if (wait === null) return waits;
    waits.push(wait);
  }
}

describe('webhook retry schedule', () => {
  it('retries a failing delivery for at least 24 hours with the defaults, even with the shortest jitter', () => {
    const waits = schedule(DEFAULT_RETRY, () => 0);
    expect(waits.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(24 * HOUR);
    expect(waits[0]).toBe(5_000);
    expect(Math.max(...waits)).toBeLessThanOrEqual(HOUR);
  });

  it('never lets the caps shrink, and never waits longer than the cap allows', () => {
    fc.assert(
      fc.property(policies, fc.integer({ min: 1, max: 200 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (policy, attempt, jitter) => {
        expect(retryCap(attempt + 1, policy)).toBeGreaterThanOrEqual(retryCap(attempt, policy));
        expect(retryCap(attempt, policy)).toBeLessThanOrEqual(policy.maxDelayMs);
        const wait = retryDelay(attempt, policy, () => jitter);
        if (wait !== null) {
          expect(wait).toBeGreaterThanOrEqual(Math.floor(retryCap(attempt, policy) / 2));
          expect(wait).toBeLessThanOrEqual(retryCap(attempt, policy));
        }
      }),
    );
  });

  it('keeps retrying at least giveUpAfter in total, whatever the jitter, then gives up for good', () => {
    fc.assert(
      fc.property(policies, fc.infiniteStream(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })), (policy, jitters) => {
        const stream = jitters[Symbol.iterator]();
        const waits = schedule(policy, () => stream.next().value as number);
        expect(waits.length).toBe(maxAttempts(policy) - 1);
        // rounding may take half a millisecond off each wait
        expect(waits.reduce((a, b) => a + b, 0) + waits.length / 2).toBeGreaterThanOrEqual(policy.giveUpAfterMs);
        expect(retryDelay(maxAttempts(policy) + 5, policy)).toBeNull();
      }),
      { numRuns: 200 },
    );
  });

  it('spreads the retries of deliveries that failed together (jitter)', () => {
    const waits = new Set(Array.from({ length: 20 }, () => retryDelay(3, DEFAULT_RETRY)));
    expect(waits.size).toBeGreaterThan(10);
  });
});
