import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DomainError } from '../../domain/errors.js';
import { MAX_PASSWORD, MIN_PASSWORD } from '../../domain/passwords.js';
import type { Store } from '../../store/database.js';
import type { Caller } from '../../usecases/authenticate.js';
import { createOperator } from '../../usecases/create-operator.js';
import { disableOperator } from '../../usecases/disable-operator.js';
import { listOperators } from '../../usecases/list-operators.js';
import { ErrorAnswer, errorResponses, Id, Nullable, Timestamp } from '../schemas.js';

// Operators: the named people who sign in to the web UI (docs/ui.md). Anyone of the project may list them
// (to assign a conversation); creating and disabling takes an API key, not an operator's sign-in.

export const Operator = Type.Object(
  {
    id: Id,
    email: Type.String(),
    name: Type.String({ description: 'recorded beside every merge, undo, unmerge, decision, note and invite the operator makes' }),
    created_at: Timestamp,
    disabled_at: Nullable(Timestamp),
  },
  { title: 'Operator', description: 'a named person who signs in to the web UI (the password is never returned)' },
);

const forbidden = { 403: ErrorAnswer('api_key_required: only an API key manages operators; csrf_check_failed: a cookie-authenticated write without the UI header') };

function requireKey(caller: Caller): void {
  if (caller.operatorId) throw new DomainError('api_key_required', 'operators are created and disabled with an API key (or the CLI), not by a signed-in operator');
}

export const operatorRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.get(
    '/operators',
    {
      schema: {
        operationId: 'listOperators',
        tags: ['operators'],
        summary: "The project's operators, by name",
        response: { 200: Type.Object({ items: Type.Array(Operator) }, { title: 'OperatorList', description: 'every operator of the project, disabled ones too' }), ...errorResponses },
      },
    },
    async (request) => listOperators(store.db, request.projectId),
  );

  app.post(
    '/operators',
    {
      schema: {
        operationId: 'createOperator',
        tags: ['operators'],
        summary: 'Create an operator who signs in with e-mail and password',
        description: `The e-mail is unique in the project (409 operator_email_taken); the password has ${MIN_PASSWORD} to ${MAX_PASSWORD} characters (422 weak_password) and is stored as a scrypt hash.`,
        body: Type.Object(
          {
            email: Type.String({ minLength: 3, maxLength: 320 }),
            name: Type.String({ minLength: 1, maxLength: 200 }),
            password: Type.String({ minLength: 1, maxLength: 1000 }),
          },
          { additionalProperties: false },
        ),
        response: { 201: Operator, ...errorResponses, ...forbidden },
      },
    },
    async (request, reply) => {
      requireKey(request.caller);
      return reply.status(201).send(await createOperator(store, request.projectId, request.body));
    },
  );

  app.post(
    '/operators/:id/disable',
    {
      schema: {
        operationId: 'disableOperator',
        tags: ['operators'],
        summary: 'Disable an operator: no more sign-ins, their sessions end; their name stays in history',
        params: Type.Object({ id: Id }),
        response: { 200: Operator, ...errorResponses, ...forbidden },
      },
    },
    async (request) => {
      requireKey(request.caller);
      return disableOperator(store, request.projectId, request.params.id);
    },
  );
};
