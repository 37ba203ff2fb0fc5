import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Store } from '../../store/database.js';
import { listMessages } from '../../usecases/list-messages.js';
import { errorResponses, Id, Message, Page, PageQuery } from '../schemas.js';

export const conversationRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.get(
    '/conversations/:id/messages',
    {
      schema: {
        tags: ['conversations'],
        summary: "A conversation's messages, oldest first",
        params: Type.Object({ id: Id }),
        querystring: Type.Object(
          { ...PageQuery, order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'asc' })) },
          { additionalProperties: false },
        ),
        response: { 200: Page(Type.Ref(Message)), ...errorResponses },
      },
    },
    async (request) => listMessages(store.db, request.projectId, request.params.id, request.query),
  );
};
