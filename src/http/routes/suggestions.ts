import type { Caller } from '../../usecases/authenticate.js';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Store } from '../../store/database.js';
import { approveMergeSuggestion } from '../../usecases/approve-merge-suggestion.js';
import { listMergeSuggestions } from '../../usecases/list-merge-suggestions.js';
import { rejectMergeSuggestion } from '../../usecases/reject-merge-suggestion.js';
import { errorResponses, Id, MergeSuggestion as Suggestion, Nullable, Page, PageQuery } from '../schemas.js';
import { MergeAnswer } from './merges.js';

// The queue of merges waiting for an operator in manual mode.

const Status = Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')]);

const Decision = Type.Object(
  { actor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'who decides, e.g. the operator; default: the API key\'s label; ignored when signed in, the operator decides by name' })) },
  { additionalProperties: false },
);
const Approval = Type.Object(
  {
    actor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'who decides, e.g. the operator; default "api"' })),
    fields: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.Literal('from'), Type.Literal('to')]), {
        description: 'as in POST /v1/contacts/merge: which side\'s value the survivor keeps, per field',
      }),
    ),
  },
  { additionalProperties: false },
);
const Params = Type.Object({ id: Id });

/** A signed-in operator decides as themselves; a program with an API key may name who decided (default: the key's label). */
function decider(caller: Caller, actor: string | undefined): string {
  return caller.via === 'session' ? caller.name : (actor ?? caller.name);
}

export const suggestionRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.get(
    '/merge-suggestions',
    {
      schema: {
        operationId: 'listMergeSuggestions',
        tags: ['merges'],
        summary: 'Merges waiting for an operator (manual mode), newest first',
        querystring: Type.Object({ status: Type.Optional(Status), contact_id: Type.Optional(Id), ...PageQuery }, { additionalProperties: false }),
        response: { 200: Page(Type.Ref(Suggestion), 'MergeSuggestionPage'), ...errorResponses },
      },
    },
    async (request) => listMergeSuggestions(store.db, request.projectId, request.query),
  );

  app.post(
    '/merge-suggestions/:id/approve',
    {
      schema: {
        operationId: 'approveMergeSuggestion',
        tags: ['merges'],
        summary: 'Approve: run the merge the suggestion describes',
        params: Params,
        body: Type.Union([Approval, Type.Null()]),
        response: {
          200: Type.Object(
            { suggestion: Type.Ref(Suggestion), merge: Nullable(MergeAnswer) },
            { title: 'ApprovedSuggestion', description: 'the decided suggestion and the merge it ran (null when the pair was one contact already)' },
          ),
          ...errorResponses,
        },
      },
    },
    async (request) => approveMergeSuggestion(store, request.projectId, request.params.id, decider(request.caller, request.body?.actor), request.body?.fields),
  );

  app.post(
    '/merge-suggestions/:id/reject',
    {
      schema: {
        operationId: 'rejectMergeSuggestion',
        tags: ['merges'],
        summary: 'Reject: keep both contacts; the pair is not suggested again',
        params: Params,
        body: Type.Union([Decision, Type.Null()]),
        response: { 200: Type.Ref(Suggestion), ...errorResponses },
      },
    },
    async (request) => rejectMergeSuggestion(store, request.projectId, request.params.id, decider(request.caller, request.body?.actor)),
  );
};
