import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Store } from '../store/database.js';
import { authenticateSession, createAuthenticator, type Caller } from '../usecases/authenticate.js';
import { sendError } from './errors.js';
import { authFailureLimit, authRateLimited, type RateLimits } from './rate-limits.js';
import { forgeryReason, sessionToken } from './session-cookie.js';

declare module 'fastify' {
  interface FastifyRequest {
    projectId: string;
    /** who makes the request: an API key (by its label) or a signed-in operator (by name) */
    caller: Caller;
  }
}


/**
 * `Authorization: Bearer <api key>` or the sign-in cookie of the web UI on every route of the scope; either
 * decides the project (docs/api.md). An address that fails too often is refused (429) for the rest of the
 * minute, unless it sends a key that has just worked.
 */
export function requireApiKey(app: FastifyInstance, store: Store, limits: RateLimits, publicUrl: string | null = null): void {
  const authenticate = createAuthenticator(store);
  const failures = authFailureLimit(app, limits);
  app.decorateRequest('projectId', '');
  app.decorateRequest('caller', null as unknown as Caller);
  app.addHook('onRequest', async (request: FastifyRequest, reply) => {
    const refusedFor = failures.refusedFor(request);
    const header = request.headers.authorization;
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    const cookie = header === undefined ? sessionToken(request) : null;
    let caller: Caller | null = null;
    if (match) caller = await authenticate(match[1], { rememberedOnly: refusedFor !== null });
    else if (cookie && refusedFor === null) caller = await authenticateSession(store, cookie);
    if (caller) {
      if (caller.via === 'session') {
        const forged = forgeryReason(request, publicUrl);
        if (forged) return sendError(reply, 403, 'csrf_check_failed', forged);
      }
      request.projectId = caller.projectId;
      request.caller = caller;
      return;
    }
    if (refusedFor !== null) return refuse(reply, refusedFor, limits);
    const over = await failures.fail(request);
    if (over !== null) return refuse(reply, over, limits);
    if (cookie) return sendError(reply, 401, 'unauthorized', 'your sign-in has ended (signed out, expired or the operator was disabled); sign in again');
    if (!match) return sendError(reply, 401, 'unauthorized', 'send your API key as "Authorization: Bearer <api key>", or sign in (POST /v1/sessions)');
    return sendError(reply, 401, 'unauthorized', 'this API key is not known; create one with `omnimerge project create <name>`');
  });
}

function refuse(reply: Parameters<typeof sendError>[0], seconds: number, limits: RateLimits) {
  const err = authRateLimited(seconds, limits);
  reply.header('retry-after', seconds);
  return sendError(reply, err.status, err.code, err.message);
}
