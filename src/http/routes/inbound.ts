import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Store } from '../../store/database.js';
import { resolveInbound } from '../../usecases/resolve-inbound.js';
import { AttachmentInput, ChannelName, errorResponses, Id, Nullable, RuleOutcome } from '../schemas.js';

export const InboundBody = Type.Object(
  {
    bot_id: Id,
    external_user_id: Type.String({ minLength: 1, maxLength: 200, description: "the client's id on that messenger" }),
    text: Type.Optional(Type.String({ maxLength: 65536 })),
    payload: Type.Optional(Type.String({ maxLength: 4096, description: 'start / ref / context parameter as received' })),
    message_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "the platform's message id; repeats store nothing new" })),
    profile: Type.Optional(
      Type.Object(
        {
          name: Type.Optional(Type.String({ maxLength: 500 })),
          username: Type.Optional(Type.String({ maxLength: 200 })),
          phone: Type.Optional(Type.String({ maxLength: 50 })),
          email: Type.Optional(Type.String({ maxLength: 320 })),
        },
        { additionalProperties: false },
      ),
    ),
    attachments: Type.Optional(Type.Array(AttachmentInput, { maxItems: 20, description: 'files, images, locations that came with the message' })),
    referral: Type.Optional(
      Type.Record(Type.String(), Type.String({ maxLength: 2048 }), {
        maxProperties: 20,
        description: 'an ad or campaign the client came from (source, ad_id, ref, headline…): kept on the message, never written to the contact',
      }),
    ),
  },
  { additionalProperties: false },
);

const Linked = Type.Object(
  {
    link_id: Id,
    contact_id: Type.String({ format: 'uuid', description: "the link's contact" }),
    identity_id: Id,
    status: Type.Union([Type.Literal('completed'), Type.Literal('suggested')], { description: 'suggested: manual mode, an operator decides' }),
    channel: Type.Optional(ChannelName),
    tag: Type.Optional(Nullable(Type.String())),
    merge_id: Type.Optional(Type.String({ format: 'uuid', description: 'completed: the merge that joined the arriving contact' })),
    suggestion_id: Type.Optional(Type.String({ format: 'uuid', description: 'suggested: the suggestion waiting for an operator' })),
  },
  { title: 'InboundLink', description: 'the merge link this message completed (or left for approval, status "suggested")' },
);

const Merged = Type.Object(
  { merge_id: Id, from_contact_id: Id, to_contact_id: Id },
  { title: 'InboundMerge', description: "the contact the client wrote from was merged into the link's contact" },
);

const Invite = Type.Object(
  {
    p: Type.Optional(Type.String({ description: 'phone' })),
    e: Type.Optional(Type.String({ description: 'e-mail' })),
    eId: Type.Optional(Type.String({ description: 'external id (also a payload that is not invite data)' })),
    v: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'variables' })),
    signed: Type.Boolean({ description: 'the payload carries this project\'s signature (a link made by POST /v1/bots/{id}/invite-link)' }),
    trusted: Type.Boolean({ description: 'signed, or the bot trusts its start data: only trusted values may merge the contact by themselves' }),
  },
  { title: 'InboundInvite', description: 'the invite data written to the contact (docs/links.md)' },
);

const SendMessageAction = Type.Object(
  { type: Type.Literal('send_message'), channel: ChannelName, bot_id: Id, identity_id: Id, text: Type.String() },
  { title: 'SendMessageAction', description: "send this text to the client (a merge link's tag) through the bot" },
);

export const InboundAnswer = Type.Object({
  contact_id: Id,
  identity_id: Id,
  conversation_id: Id,
  message_id: Nullable(Id),
  created: Type.Boolean({ description: 'a new contact was created for this identity' }),
  duplicate: Type.Boolean({ description: 'this message id was seen before; nothing new was stored' }),
  linked: Type.Optional(Linked),
  merged: Type.Optional(Merged),
  invite: Type.Optional(Invite),
  rules: Type.Optional(Type.Ref(RuleOutcome)),
  actions: Type.Array(SendMessageAction, { description: 'what the caller should do, e.g. send the tag message' }),
  errors: Type.Array(Type.Object({ code: Type.String(), message: Type.String() }), { description: 'wrong, expired or foreign codes: reported, nothing changed' }),
}, { title: 'InboundAnswer', description: 'the contact the message belongs to, and what it linked, merged or applied' });

export const inboundRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.post(
    '/inbound',
    {
      schema: {
        operationId: 'receiveInbound',
        tags: ['inbound'],
        summary: 'Resolve an inbound message to a contact',
        body: InboundBody,
        response: { 200: InboundAnswer, ...errorResponses },
      },
    },
    async (request) => resolveInbound(store, request.projectId, request.body),
  );
};
