import rateLimit from '@fastify/rate-limit';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Store } from '../../store/database.js';
import { signIn, SESSION_HOURS } from '../../usecases/sign-in.js';
import { signOut } from '../../usecases/sign-out.js';
import { sendError } from '../errors.js';
import { authFailureLimit, authRateLimited, type RateLimits } from '../rate-limits.js';
import { clearSessionCookie, sessionToken, setSessionCookie } from '../session-cookie.js';
import { ErrorAnswer, errorResponses, Id, Nullable, Timestamp } from '../schemas.js';
import { DomainError } from '../../domain/errors.js';

// Signing in to the web UI (docs/ui.md): the answer sets an HttpOnly cookie; no key is kept in the page.

export const SignedIn = Type.Object(
  {
    name: Type.String({ description: "the operator's name, or the API key's label: what history records for this session" }),
    operator_id: Nullable(Id),
    email: Nullable(Type.String()),
    via: Type.Union([Type.Literal('password'), Type.Literal('api_key')], { description: 'how the session was opened' }),
    expires_at: Nullable(Timestamp),
  },
  { title: 'SignedIn', description: 'who is signed in' },
);

const SignInBody = Type.Union(
  [
    Type.Object({ email: Type.String({ minLength: 1, maxLength: 320 }), password: Type.String({ minLength: 1, maxLength: 1000 }) }, { additionalProperties: false }),
    Type.Object({ api_key: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
  ],
  { description: 'an operator\'s e-mail and password, or an API key' },
);

/** POST /v1/sessions: outside the authenticated scope (it is how one gets in). */
export const signInRoutes: FastifyPluginAsyncTypebox<{ store: Store; limits: RateLimits; publicUrl: string | null }> = async (app, { store, limits, publicUrl }) => {
  // failed sign-ins count like failed API keys: per address, a minute (docs/api-limits.md)
  await app.register(rateLimit, { global: false });
  const failures = authFailureLimit(app, limits);
  app.post(
    '/sessions',
    {
      schema: {
        operationId: 'signIn',
        tags: ['operators'],
        summary: 'Sign in: sets the session cookie',
        description:
          `With an operator's e-mail and password, or an API key. Sets \`omnimerge_session\` (HttpOnly, SameSite=Strict, Secure over https, for ${SESSION_HOURS} hours). ` +
          'Wrong credentials answer 401 invalid_credentials with words to show as they are.',
        security: [],
        body: SignInBody,
        response: { 200: SignedIn, ...errorResponses, 401: ErrorAnswer('invalid_credentials: the e-mail or password, or the API key, is wrong') },
      },
    },
    async (request, reply) => {
      const refusedFor = failures.refusedFor(request);
      if (refusedFor !== null) {
        const err = authRateLimited(refusedFor, limits);
        return sendError(reply.header('retry-after', refusedFor), err.status, err.code, err.message);
      }
      try {
        const { token, expiresAt, caller, email } = await signIn(store, request.body);
        setSessionCookie(reply, request, token, expiresAt, publicUrl);
        return { name: caller.name, operator_id: caller.operatorId, email, via: caller.operatorId ? ('password' as const) : ('api_key' as const), expires_at: expiresAt };
      } catch (err) {
        if (err instanceof DomainError && err.code === 'invalid_credentials') {
          const over = await failures.fail(request);
          if (over !== null) {
            const limited = authRateLimited(over, limits);
            return sendError(reply.header('retry-after', over), limited.status, limited.code, limited.message);
          }
        }
        throw err;
      }
    },
  );
};

/** Who is signed in, and signing out: inside the authenticated scope. */
export const sessionRoutes: FastifyPluginAsyncTypebox<{ store: Store; publicUrl: string | null }> = async (app, { store, publicUrl }) => {
  app.get(
    '/sessions/me',
    {
      schema: {
        operationId: 'whoAmI',
        tags: ['operators'],
        summary: 'Who this request is made as: the signed-in operator or the API key',
        response: { 200: SignedIn, ...errorResponses },
      },
    },
    async (request) => ({
      name: request.caller.name,
      operator_id: request.caller.operatorId,
      email: request.caller.email,
      via: request.caller.operatorId ? ('password' as const) : ('api_key' as const),
      expires_at: null,
    }),
  );

  app.delete(
    '/sessions',
    {
      schema: {
        operationId: 'signOut',
        tags: ['operators'],
        summary: 'Sign out: ends the session and clears its cookie',
        response: { 204: Type.Null({ description: 'signed out' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const token = sessionToken(request);
      if (token && request.caller.via === 'session') await signOut(store, request.projectId, token);
      clearSessionCookie(reply, request, publicUrl);
      return reply.status(204).send(null);
    },
  );
};
