import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from '../domain/errors.js';

// Rate limits (docs/api-limits.md), counted in this process's memory by @fastify/rate-limit: requests per
// API key, and failed authentications per client address. Messenger webhooks and /healthz are outside
// the /v1 scope these apply to.

export interface RateLimits {
  /** requests a minute one API key may make (OMNIMERGE_RATE_LIMIT); 0 turns the limit off */
  requestsPerMinute: number;
  /** failed authentications a minute one client address may make (OMNIMERGE_AUTH_FAILURE_LIMIT) */
  authFailuresPerMinute: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { requestsPerMinute: 6000, authFailuresPerMinute: 20 };

const MINUTE_MS = 60_000;
// at most this many addresses are remembered as refused; the oldest make room for new ones
const MAX_REFUSED_ADDRESSES = 10_000;

type AnyFastify = FastifyInstance<any, any, any, any, any>;

/** The per-key limit on every route of the scope (after authentication set request.projectId). */
export async function limitRequestsPerKey(scope: AnyFastify, limits: RateLimits): Promise<void> {
  await scope.register(rateLimit, {
    global: limits.requestsPerMinute > 0,
    max: limits.requestsPerMinute,
    timeWindow: MINUTE_MS,
    keyGenerator: (request: FastifyRequest) => `key:${request.projectId}`,
    errorResponseBuilder: (_request, context) =>
      new DomainError('rate_limited', `this API key made more than ${context.max} requests in a minute; retry in ${context.after} (Retry-After)`),
  });
}

export interface AuthFailureLimit {
  /** seconds until the address may try a key it has not used successfully, when it is refused now */
  refusedFor(request: FastifyRequest): number | null;
  /** counts a failed authentication; answers the seconds to wait when this one went over the limit */
  fail(request: FastifyRequest): Promise<number | null>;
}

/**
 * Failed authentications per client address. Over the limit, the address is refused without a database
 * lookup until the minute ends, except with a key the server has just seen succeed.
 */
export function authFailureLimit(scope: AnyFastify, limits: RateLimits): AuthFailureLimit {
  const count = scope.createRateLimit({ max: limits.authFailuresPerMinute, timeWindow: MINUTE_MS, keyGenerator: (request: FastifyRequest) => `auth:${request.ip}` });
  const refusedUntil = new Map<string, number>();
  return {
    refusedFor(request) {
      const until = refusedUntil.get(request.ip);
      if (until === undefined) return null;
      if (until <= Date.now()) {
        refusedUntil.delete(request.ip);
        return null;
      }
      return Math.ceil((until - Date.now()) / 1000);
    },
    async fail(request) {
      const limit = await count(request);
      if (limit.isAllowed || !limit.isExceeded) return null;
      if (refusedUntil.size >= MAX_REFUSED_ADDRESSES) refusedUntil.delete(refusedUntil.keys().next().value!);
      refusedUntil.set(request.ip, Date.now() + limit.ttl);
      return limit.ttlInSeconds;
    },
  };
}

export function authRateLimited(seconds: number, limits: RateLimits): DomainError {
  return new DomainError('rate_limited', `more than ${limits.authFailuresPerMinute} failed authentications from this address in a minute; retry in ${seconds} s (Retry-After)`);
}
