import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Store } from '../../store/database.js';
import { assignConversation } from '../../usecases/assign-conversation.js';
import { listAssignedConversations } from '../../usecases/list-assigned-conversations.js';
import { Conversation, errorResponses, Id, Nullable, Page, PageQuery } from '../schemas.js';

// Who works on a conversation (docs/api.md): an operator is assigned, "me" is the signed-in operator.

const Assignee = Type.Union([Id, Type.Literal('me')], { description: 'an operator id, or "me" for the signed-in operator' });

export const assigneeRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.put(
    '/conversations/:id/assignee',
    {
      schema: {
        operationId: 'assignConversation',
        tags: ['conversations'],
        summary: 'Assign a conversation to an operator, or to no one',
        description: '`{"operator_id": "me"}` assigns it to the signed-in operator; `null` takes the assignment away. 404 operator_not_found for an unknown operator.',
        params: Type.Object({ id: Id }),
        body: Type.Object({ operator_id: Nullable(Assignee) }, { additionalProperties: false }),
        response: {
          200: Type.Object(
            { conversation_id: Id, assignee: Nullable(Type.Object({ id: Id, name: Type.String() })) },
            { title: 'ConversationAssignee', description: 'who the conversation is assigned to now' },
          ),
          ...errorResponses,
        },
      },
    },
    async (request) => assignConversation(store, request.caller, request.params.id, request.body.operator_id),
  );

  app.get(
    '/conversations',
    {
      schema: {
        operationId: 'listAssignedConversations',
        tags: ['conversations'],
        summary: "An operator's conversations across contacts, newest first",
        description: '`assignee=me` lists the signed-in operator\'s conversations ("Mine" in the UI).',
        querystring: Type.Object({ ...PageQuery, assignee: Assignee }, { additionalProperties: false }),
        response: { 200: Page(Type.Ref(Conversation), 'ConversationPage'), ...errorResponses },
      },
    },
    async (request) => listAssignedConversations(store.db, request.caller, request.query),
  );
};
