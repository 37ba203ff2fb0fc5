import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Store } from '../../store/database.js';
import { createInviteLink } from '../../usecases/create-invite-link.js';
import { createMergeLink } from '../../usecases/create-merge-link.js';
import { inviteFromConversation } from '../../usecases/invite-from-conversation.js';
import type { Outbound } from '../../usecases/send-message.js';
import { ChannelInput, errorResponses, Id, Message, Nullable, Timestamp } from '../schemas.js';

// Merge links and codes, invite links with data, invites sent into a conversation (docs/links.md).

const MergeLinkBody = Type.Object(
  {
    channel: ChannelInput,
    tag: Type.Optional(Type.String({ maxLength: 1000, description: 'a message for the client after the move; returned as a send_message action and in switch_to_<channel>' })),
    bot_id: Type.Optional(Type.String({ format: 'uuid', description: "the bot to link to (the seeds' group); default: the project's first bot of that channel" })),
    group: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "the bot to link to by its id or its handle (e.g. 'testbot'), instead of bot_id" })),
  },
  { additionalProperties: false },
);

const MergeLink = Type.Object({
  url: Type.String({ description: 'the link to give the client' }),
  channel: Type.String(),
  bot_id: Id,
  token: Type.Optional(Type.String({ description: 'the token the link carries (telegram, facebook, instagram, viber, vk)' })),
  code: Type.Optional(Type.String({ description: 'the code the client sends (whatsapp, instagram, line); also in variables.text_to_merge_contact' })),
  expires_at: Timestamp,
}, { title: 'MergeLink', description: 'a link that moves the contact to another messenger' });

const InviteData = Type.Object(
  {
    p: Type.Optional(Type.String({ minLength: 1, description: 'phone' })),
    e: Type.Optional(Type.String({ minLength: 1, description: 'e-mail' })),
    eId: Type.Optional(Type.String({ minLength: 1, description: 'external id' })),
    v: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]), { description: 'variables' })),
  },
  { additionalProperties: false },
);

export const linkRoutes: FastifyPluginAsyncTypebox<{ store: Store; outbound: Outbound }> = async (app, { store, outbound }) => {
  app.post(
    '/contacts/:id/merge-link',
    {
      schema: {
        operationId: 'createMergeLink',
        tags: ['links'],
        summary: 'A link that moves the contact to another messenger',
        description:
          'When the client follows it, the identity they arrive with joins this contact (auto mode) or a suggestion waits for an operator ' +
          "(manual mode). Expires after the project's link_ttl_s. A new code replaces the contact's previous one.",
        params: Type.Object({ id: Id }),
        body: MergeLinkBody,
        response: { 201: MergeLink, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await createMergeLink(store, request.projectId, request.params.id, request.body)),
  );

  app.post(
    '/bots/:id/invite-link',
    {
      schema: {
        operationId: 'createInviteLink',
        tags: ['links'],
        summary: 'An invite link carrying data into the bot',
        description: 'data is encoded as Base64URL JSON without padding; the payload, with its 8-character signature, may be at most 64 characters — 128 on MAX, its limit for a start parameter (422 payload_too_long says by how much and which limit).',
        params: Type.Object({ id: Id }),
        body: Type.Object(
          { data: Type.Optional(InviteData), payload: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'a raw payload: the client arrives with it as external_id' })) },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ url: Type.String(), payload: Type.String({ description: 'the start parameter the link carries' }) }, { title: 'InviteLink', description: 'a deep link carrying data into the bot' }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => reply.status(201).send(await createInviteLink(store, request.projectId, request.params.id, request.body)),
  );

  app.post(
    '/conversations/:id/invite',
    {
      schema: {
        operationId: 'inviteFromConversation',
        tags: ['links'],
        summary: 'Invite the client in this conversation to another messenger',
        description:
          'Makes the merge link (and code) and sends it as a message in this conversation, like POST /v1/conversations/{id}/messages. ' +
          'With send: false it only makes the link and answers the message text without sending it, to edit and send with POST /v1/conversations/{id}/messages or to copy.',
        params: Type.Object({ id: Id }),
        body: Type.Object(
          {
            ...MergeLinkBody.properties,
            send: Type.Optional(Type.Boolean({ default: true, description: 'false: make the link and answer the text, send nothing' })),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object(
            {
              url: Type.String(),
              code: Type.Optional(Type.String()),
              text: Type.String({ description: 'the invite message: sent as it is, or (send: false) for the operator to edit and send' }),
              expires_at: Timestamp,
              message: Nullable(Type.Ref(Message)),
            },
            { title: 'ConversationInvite', description: 'the merge link (and code), its message text, and the message that carried it into the conversation (null with send: false)' },
          ),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => reply.status(201).send(await inviteFromConversation(outbound, request.projectId, request.params.id, request.body, request.caller.name)),
  );
};
