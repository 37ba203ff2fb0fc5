import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Store } from '../../store/database.js';
import { resolveInbound } from '../../usecases/resolve-inbound.js';
import { AttachmentInput, errorResponses, Id, Nullable, RuleOutcome } from '../schemas.js';

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

export const InboundAnswer = Type.Object({
  contact_id: Id,
  identity_id: Id,
  conversation_id: Id,
  message_id: Nullable(Id),
  created: Type.Boolean({ description: 'a new contact was created for this identity' }),
  duplicate: Type.Boolean({ description: 'this message id was seen before; nothing new was stored' }),
  linked: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'the merge link this message completed (or left for approval, status "suggested")' })),
  merged: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: "the contact merged into the link's contact" })),
  invite: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'invite data written to the contact (SPEC §3.3)' })),
  rules: Type.Optional(Type.Ref(RuleOutcome)),
  actions: Type.Array(Type.Record(Type.String(), Type.Unknown()), { description: 'what the caller should do, e.g. send the tag message' }),
  errors: Type.Array(Type.Object({ code: Type.String(), message: Type.String() })),
});

export const inboundRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.post(
    '/inbound',
    {
      schema: {
        tags: ['inbound'],
        summary: 'Resolve an inbound message to a contact (SPEC §2)',
        body: InboundBody,
        response: { 200: InboundAnswer, ...errorResponses },
      },
    },
    async (request) => resolveInbound(store, request.projectId, request.body),
  );
};
