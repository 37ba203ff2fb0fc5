import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Store } from '../../store/database.js';
import { connectBot, type BotConnections } from '../../usecases/connect-bot.js';
import { describeBot, describeBots } from '../../usecases/describe-bots.js';
import { disconnectBot } from '../../usecases/disconnect-bot.js';
import { listBots } from '../../usecases/list-bots.js';
import { updateBot } from '../../usecases/update-bot.js';
import { Bot, ChannelInput, ErrorBody, errorResponses, Id, List, Nullable } from '../schemas.js';

// docs/links.md: what a plain start parameter does, and whether start data may merge by itself
const StartParam = Type.Union([Type.Literal('external_id'), Type.Literal('ignore')], {
  description: 'what a plain start parameter (not a merge token, not invite data) does: "external_id" (default) stores it as the contact\'s external_id, "ignore" drops it',
});
const TrustStartData = Type.Boolean({
  description:
    'false (default): fields that arrive through a start parameter or unsigned invite data are written to the contact but never merge it automatically (a merge suggestion instead); true for bots whose links only the business hands out. Signed invite links (POST /v1/bots/{id}/invite-link) are always trusted.',
});

const ConnectedBot = Type.Object({
  ...Bot.properties,
  setup: Type.Object(
    {
      callback_url: Nullable(Type.String({ description: "OMNIMERGE_PUBLIC_URL + webhook_path: where the messenger posts; null without a public URL" })),
      webhook_registered: Type.Boolean({ description: 'omnimerge registered the webhook itself (Telegram setWebhook, Viber set_webhook)' }),
      verify_token: Nullable(Type.String({ description: "facebook, instagram, whatsapp: the Verify Token to paste beside the callback URL; shown only here" })),
      reconnected: Type.Boolean({ description: 'the account was disconnected before: the same bot (id, contacts, history) is connected again' }),
      next_step: Type.String({ description: 'what is left to do to receive the bot’s messages' }),
    },
    { description: 'how the messenger reaches omnimerge; shown once, in this answer' },
  ),
}, { title: 'ConnectedBot', description: 'the bot, connected, with what is left to do to receive its messages' });

const DisconnectedBot = Type.Object({
  ...Bot.properties,
  webhook: Type.Object({
    removed: Nullable(Type.Boolean({ description: 'true: the messenger was told to stop; false: it could not be (see message); null: nothing to tell' })),
    message: Type.String(),
  }),
}, { title: 'DisconnectedBot', description: 'the bot, disconnected: its contacts and history stay' });

const messengerErrors = { 502: Type.Ref(ErrorBody) };

export const botRoutes: FastifyPluginAsyncTypebox<{ store: Store; connections: BotConnections }> = async (app, { store, connections }) => {
  app.post(
    '/bots',
    {
      schema: {
        operationId: 'createBot',
        tags: ['bots'],
        summary: 'Connect a messenger account (bot) to the project',
        description:
          "With a Telegram token the handle is read from getMe, with a MAX token from GET /me (a refused token answers 422 invalid_bot_token). When the server knows its public URL (OMNIMERGE_PUBLIC_URL), Telegram's setWebhook (with a secret_token made here), Viber's set_webhook and MAX's POST /subscriptions (with a secret made here) are called at once; " +
          "for facebook, instagram and whatsapp the answer's setup holds the callback URL and the verify token to paste. A messenger that cannot be reached or refuses answers 502 and nothing is kept.",
        body: Type.Object(
          {
            channel: ChannelInput,
            handle: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 200,
                description: 'Telegram bot username (read from getMe when a token is given), Facebook page, Instagram username, WhatsApp number, Viber chatURI, VK group, LINE id, MAX bot name (max.ru/<name>; read from GET /me when a token is given)',
              }),
            ),
            name: Type.Optional(Type.String({ maxLength: 200 })),
            secret: Type.Optional(
              Type.String({
                maxLength: 500,
                description:
                  "verifies its webhooks; never returned. Telegram: setWebhook's secret_token (made when the webhook is registered without one); facebook, instagram, whatsapp: the Meta app secret; viber: the authentication token (the token is used when unset); vk: the Callback API secret key; line: the channel secret; max: the subscription secret sent in X-Max-Bot-Api-Secret (made when the webhook is registered without one)",
              }),
            ),
            token: Type.Optional(Type.String({ maxLength: 1000, description: 'sends messages (bot token, page or access token, Viber authentication token); never returned' })),
            verify_token: Type.Optional(Type.String({ maxLength: 500, description: "Meta: the Verify Token typed in the app's webhook settings; made and shown in setup when unset; never returned later" })),
            confirmation_code: Type.Optional(Type.String({ maxLength: 100, description: 'VK: the string the Callback API settings ask the server to return' })),
            account_id: Type.Optional(Type.String({ maxLength: 100, description: 'WhatsApp: the phone-number ID the Cloud API sends from' })),
            start_param: Type.Optional(StartParam),
            trust_start_data: Type.Optional(TrustStartData),
          },
          { additionalProperties: false },
        ),
        response: { 201: ConnectedBot, ...errorResponses, ...messengerErrors },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await describeBot(store, request.projectId, await connectBot(store, request.projectId, request.body, connections), connections.publicUrl)),
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
    async (request) => describeBot(store, request.projectId, await updateBot(store, request.projectId, request.params.id, request.body), connections.publicUrl),
  );

  app.get(
    '/bots',
    {
      schema: {
        operationId: 'listBots',
        tags: ['bots'],
        summary: "The project's bots",
        querystring: Type.Object({ include_disconnected: Type.Optional(Type.Boolean({ description: 'list disconnected bots too (with disconnected_at)' })) }),
        response: { 200: List(Type.Ref(Bot), 'BotList'), ...errorResponses },
      },
    },
    async (request) => {
      const { items } = await listBots(store, request.projectId, { includeDisconnected: request.query.include_disconnected === true });
      return { items: await describeBots(store, request.projectId, items, connections.publicUrl) };
    },
  );

  app.delete(
    '/bots/:id',
    {
      schema: {
        operationId: 'deleteBot',
        tags: ['bots'],
        summary: 'Disconnect a bot: unregister its webhook, keep its contacts and history',
        description:
          "Telegram's deleteWebhook or Viber's set_webhook with an empty url is called when the bot has a token; the bot's webhooks then answer 404 as for an unknown bot, nothing more is sent through it, " +
          'and its token and secrets are forgotten. Contacts, identities, conversations and messages stay readable. GET /v1/bots no longer lists it (include_disconnected=true does).',
        params: Type.Object({ id: Id }),
        response: { 200: DisconnectedBot, ...errorResponses },
      },
    },
    async (request) => describeBot(store, request.projectId, await disconnectBot(store, connections.accounts, request.projectId, request.params.id), connections.publicUrl),
  );
};
