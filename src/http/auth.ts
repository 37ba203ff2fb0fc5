import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Store } from '../store/database.js';
import { createAuthenticator } from '../usecases/authenticate.js';
import { sendError } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    projectId: string;
  }
}

/** `Authorization: Bearer <api key>` on every route of the scope; the key decides the project (docs/api.md). */
export function requireApiKey(app: FastifyInstance, store: Store): void {
  const authenticate = createAuthenticator(store);
  app.decorateRequest('projectId', '');
  app.addHook('onRequest', async (request: FastifyRequest, reply) => {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      return sendError(reply, 401, 'unauthorized', 'send your API key as "Authorization: Bearer <api key>"');
    }
    const projectId = await authenticate(match[1]);
    if (!projectId) return sendError(reply, 401, 'unauthorized', 'this API key is not known; create one with `omnimerge project create <name>`');
    request.projectId = projectId;
  });
}
