import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Store } from '../../store/database.js';
import { listMessages } from '../../usecases/list-messages.js';
import { retryMessage } from '../../usecases/retry-message.js';
import { awaitSent, isPending, sendMessage, type Outbound } from '../../usecases/send-message.js';

/** The longest text any messenger takes in one message (Viber's 7000); each channel's own limit is checked too. */
const MAX_TEXT = 7000;
import { errorResponses, Id, Message, Page, PageQuery } from '../schemas.js';

export const conversationRoutes: FastifyPluginAsyncTypebox<{ store: Store; outbound: Outbound; waitMs: number }> = async (app, { store, outbound, waitMs }) => {
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
          "Goes to the identity that last wrote in the conversation. With a bot token the message is stored `queued` and sent by the server's sending worker " +
          '(`sending`, then `sent` with external_message_id, or `failed` with delivery_error in the messenger\'s words); transient failures are retried ' +
          'with backoff for OMNIMERGE_SEND_GIVE_UP_MS. Answers 202 while the message is queued or sending; with `wait=true` it waits up to ' +
          'OMNIMERGE_SEND_WAIT_MS for the outcome and answers 201 once the message is sent or failed. Without a token (or a connector for the channel) ' +
          'the message is handed to your system as a `message.outbound` event (`handed_over`, 201). A closed messaging window answers 422 window_closed, ' +
          'a client the messenger says cannot be written to 422 recipient_unreachable, a text over the messenger\'s limit 422 text_too_long.',
        params: Type.Object({ id: Id }),
        querystring: Type.Object(
          { wait: Type.Optional(Type.Boolean({ default: false, description: 'wait a short while for the message to be sent or to fail' })) },
          { additionalProperties: false },
        ),
        body: Type.Object({ text: Type.String({ minLength: 1, maxLength: MAX_TEXT, description: "at most the messenger's own limit (docs/messengers.md)" }) }, { additionalProperties: false }),
        response: {
          201: Type.Ref(Message, { description: 'sent, failed or handed over' }),
          202: Type.Ref(Message, { description: 'queued or sending: the outcome comes as message.sent or message.failed' }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const queued = await sendMessage(outbound, request.projectId, request.params.id, request.body.text);
      const message = request.query.wait ? await awaitSent(store, request.projectId, queued, waitMs) : queued;
      return reply.status(isPending(message) ? 202 : 201).send(message);
    },
  );

  app.post(
    '/messages/:id/retry',
    {
      schema: {
        tags: ['conversations'],
        operationId: 'retryMessage',
        summary: 'Send a failed outgoing message again',
        description:
          'Queues a `failed` message again as it was written, with a fresh time to give up; 409 message_not_failed for any other message. ' +
          'The messaging window must be open, as for a new message.',
        params: Type.Object({ id: Id }),
        response: { 202: Type.Ref(Message), ...errorResponses },
      },
    },
    async (request, reply) => reply.status(202).send(await retryMessage(outbound, request.projectId, request.params.id)),
  );
};
