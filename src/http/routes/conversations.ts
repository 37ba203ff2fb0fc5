import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Store } from '../../store/database.js';
import { listMessages } from '../../usecases/list-messages.js';
import { sendMessage, type Outbound } from '../../usecases/send-message.js';
import { errorResponses, Id, Message, Page, PageQuery } from '../schemas.js';

export const conversationRoutes: FastifyPluginAsyncTypebox<{ store: Store; outbound: Outbound }> = async (app, { store, outbound }) => {
  app.get(
    '/conversations/:id/messages',
    {
      schema: {
        operationId: 'listMessages',
        tags: ['conversations'],
        summary: "A conversation's messages, oldest first",
        params: Type.Object({ id: Id }),
        querystring: Type.Object(
          { ...PageQuery, order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'asc' })) },
          { additionalProperties: false },
        ),
        response: { 200: Page(Type.Ref(Message), 'MessagePage'), ...errorResponses },
      },
    },
    async (request) => listMessages(store.db, request.projectId, request.params.id, request.query),
  );

  app.post(
    '/conversations/:id/messages',
    {
      schema: {
        operationId: 'sendMessage',
        tags: ['conversations'],
        summary: 'Send a text to the person in the conversation',
        description:
          "Goes to the identity that last wrote in the conversation, through the messenger's API when the bot has a token " +
          '(delivery_state `sent`, or `failed` with delivery_error), otherwise as a `message.outbound` event (`handed_over`). ' +
          'A closed messaging window (docs/messengers.md) answers 422 window_closed naming the channels that are open.',
        params: Type.Object({ id: Id }),
        body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 4096 }) }, { additionalProperties: false }),
        response: { 201: Type.Ref(Message), ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await sendMessage(outbound, request.projectId, request.params.id, request.body.text)),
  );
};
