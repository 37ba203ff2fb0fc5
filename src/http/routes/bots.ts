import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Store } from '../../store/database.js';
import { connectBot } from '../../usecases/connect-bot.js';
import { listBots } from '../../usecases/list-bots.js';
import { updateBot } from '../../usecases/update-bot.js';
import { Bot, ChannelInput, errorResponses, Id } from '../schemas.js';

// docs/links.md: what a plain start parameter does, and whether start data may merge by itself
const StartParam = Type.Union([Type.Literal('external_id'), Type.Literal('ignore')], {
  description: 'what a plain start parameter (not a merge token, not invite data) does: "external_id" (default) stores it as the contact\'s external_id, "ignore" drops it',
});
const TrustStartData = Type.Boolean({
  description:
    'false (default): fields that arrive through a start parameter or unsigned invite data are written to the contact but never merge it automatically (a merge suggestion instead); true for bots whose links only the business hands out. Signed invite links (POST /v1/bots/{id}/invite-link) are always trusted.',
});

export const botRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.post(
    '/bots',
    {
      schema: {
        tags: ['bots'],
        summary: 'Connect a messenger account (bot) to the project',
        body: Type.Object(
          {
            channel: ChannelInput,
            handle: Type.String({ minLength: 1, maxLength: 200, description: 'Telegram bot username, Facebook page, Instagram username, WhatsApp number, Viber chatURI, VK group, LINE id' }),
            name: Type.Optional(Type.String({ maxLength: 200 })),
            secret: Type.Optional(
              Type.String({
                maxLength: 500,
                description:
                  "verifies its webhooks; never returned. Telegram: setWebhook's secret_token; facebook, instagram, whatsapp: the Meta app secret; viber: the authentication token (the token is used when unset); vk: the Callback API secret key; line: the channel secret",
              }),
            ),
            token: Type.Optional(Type.String({ maxLength: 1000, description: 'sends messages (bot token, page or access token, Viber authentication token); never returned' })),
            verify_token: Type.Optional(Type.String({ maxLength: 500, description: "Meta: the Verify Token typed in the app's webhook settings; the secret when unset; never returned" })),
            confirmation_code: Type.Optional(Type.String({ maxLength: 100, description: 'VK: the string the Callback API settings ask the server to return' })),
            account_id: Type.Optional(Type.String({ maxLength: 100, description: 'WhatsApp: the phone-number ID the Cloud API sends from' })),
            start_param: Type.Optional(StartParam),
            trust_start_data: Type.Optional(TrustStartData),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Ref(Bot), ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await connectBot(store, request.projectId, request.body)),
  );

  app.patch(
    '/bots/:id',
    {
      schema: {
        operationId: 'updateBot',
        tags: ['bots'],
        summary: "Change a bot's name and what its start parameters may do",
        params: Type.Object({ id: Id }),
        body: Type.Object(
          { name: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])), start_param: Type.Optional(StartParam), trust_start_data: Type.Optional(TrustStartData) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Ref(Bot), ...errorResponses },
      },
    },
    async (request) => updateBot(store, request.projectId, request.params.id, request.body),
  );

  app.get(
    '/bots',
    { schema: { tags: ['bots'], summary: "The project's bots", response: { 200: Type.Object({ items: Type.Array(Type.Ref(Bot)) }) } } },
    async (request) => listBots(store, request.projectId),
  );
};
