import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Store } from '../store/database.js';
import { createAuthenticator } from '../usecases/authenticate.js';
import { sendError } from './errors.js';
import { authFailureLimit, authRateLimited, type RateLimits } from './rate-limits.js';

declare module 'fastify' {
  interface FastifyRequest {
    projectId: string;
  }
}

/**
 * `Authorization: Bearer <api key>` on every route of the scope; the key decides the project (docs/api.md).
 * An address that fails too often is refused (429) for the rest of the minute, unless it sends a key
 * that has just worked.
 */
export function requireApiKey(app: FastifyInstance, store: Store, limits: RateLimits): void {
  const authenticate = createAuthenticator(store);
  const failures = authFailureLimit(app, limits);
  app.decorateRequest('projectId', '');
  app.addHook('onRequest', async (request: FastifyRequest, reply) => {
    const refusedFor = failures.refusedFor(request);
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const projectId = match ? await authenticate(match[1], { rememberedOnly: refusedFor !== null }) : null;
    if (projectId) {
      request.projectId = projectId;
      return;
    }
    if (refusedFor !== null) return refuse(reply, refusedFor, limits);
    const over = await failures.fail(request);
    if (over !== null) return refuse(reply, over, limits);
    if (!match) return sendError(reply, 401, 'unauthorized', 'send your API key as "Authorization: Bearer <api key>"');
    return sendError(reply, 401, 'unauthorized', 'this API key is not known; create one with `omnimerge project create <name>`');
  });
}

function refuse(reply: Parameters<typeof sendError>[0], seconds: number, limits: RateLimits) {
  const err = authRateLimited(seconds, limits);
  reply.header('retry-after', seconds);
  return sendError(reply, err.status, err.code, err.message);
}
