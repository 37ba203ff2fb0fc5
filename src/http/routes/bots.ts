import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Store } from '../../store/database.js';
import { connectBot } from '../../usecases/connect-bot.js';
import { listBots } from '../../usecases/list-bots.js';
import { Bot, ChannelInput, errorResponses, List } from '../schemas.js';

export const botRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.post(
    '/bots',
    {
      schema: {
        operationId: 'createBot',
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
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Ref(Bot), ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await connectBot(store, request.projectId, request.body)),
  );

  app.get(
    '/bots',
    { schema: { operationId: 'listBots', tags: ['bots'], summary: "The project's bots", response: { 200: List(Type.Ref(Bot), 'BotList'), ...errorResponses } } },
    async (request) => listBots(store, request.projectId),
  );
};
