import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ADAPTERS } from '../../channels/index.js';
import type { MessengerAdapter } from '../../channels/kit.js';
import { parseChannel } from '../../domain/channels.js';
import { DomainError } from '../../domain/errors.js';
import { withStorableText } from '../../domain/text.js';
import type { Store } from '../../store/database.js';
import { findWebhookBot, receiveWebhook } from '../../usecases/receive-webhook.js';
import { refuseDeepJson } from '../input-guards.js';
import type { Outbound } from '../../usecases/send-message.js';
import { ErrorAnswer, errorResponses, Id } from '../schemas.js';

// Messengers post their own payloads here. They cannot send our API key, so this plugin is
// registered outside the key's scope: the bot is found by its id and the payload is verified with the
// bot's secret the messenger's way. Signatures cover the raw bytes, so bodies are kept as buffers.

const Params = Type.Object({ channel: Type.String(), bot_id: Id });
const errors = {
  400: errorResponses[400],
  401: ErrorAnswer("invalid_signature: the request is not signed with the bot's secret"),
  403: ErrorAnswer('webhook_not_configured or verify_token_mismatch: the bot has no secret to verify with, or the verify token is wrong'),
  404: ErrorAnswer('bot_not_found or no_webhook_for_channel'),
  413: errorResponses[413],
  503: errorResponses[503],
};

// What each messenger expects back: JSON `{"ok": true}`, or for VK the text `ok` (its confirmation code on a confirmation event).
const WebhookAnswer = {
  description: 'the payload was verified and resolved; the answer is what the messenger expects',
  content: {
    'application/json': { schema: Type.Object({ ok: Type.Literal(true) }, { title: 'WebhookAcknowledgement' }) },
    'text/plain': { schema: Type.String({ description: "VK: `ok`, or the bot's confirmation_code on a confirmation event" }) },
  },
};

const HubQuery = Type.Object({
  'hub.mode': Type.Optional(Type.String({ description: 'subscribe' })),
  'hub.verify_token': Type.Optional(Type.String({ description: "the Verify Token typed in the Meta app's webhook settings" })),
  'hub.challenge': Type.Optional(Type.String({ description: 'answered back as it is when the verify token matches' })),
});

function adapterFor(channelName: string): { channel: NonNullable<ReturnType<typeof parseChannel>>; adapter: MessengerAdapter } {
  const channel = parseChannel(channelName);
  const adapter = channel === null ? undefined : ADAPTERS[channel];
  if (channel === null || !adapter) {
    throw new DomainError('no_webhook_for_channel', `omnimerge reads the webhooks of ${Object.keys(ADAPTERS).join(', ')}; send "${channelName}" messages to POST /v1/inbound`);
  }
  return { channel, adapter };
}

function decode(adapter: MessengerAdapter, body: Buffer): unknown {
  const text = body.toString('utf8');
  refuseDeepJson(text);
  try {
    return (adapter.decode ?? JSON.parse)(text);
  } catch (err) {
    throw new DomainError('invalid_json', `the body is not valid JSON: ${(err as Error).message}`);
  }
}

export const channelRoutes: FastifyPluginAsyncTypebox<{ store: Store; outbound: Outbound }> = async (app, { store, outbound }) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.post(
    '/channels/:channel/:bot_id',
    {
      schema: {
        operationId: 'receiveChannelWebhook',
        tags: ['channels'],
        summary: "A messenger's own webhook",
        description:
          'Telegram Update, Meta (facebook, instagram) and WhatsApp Cloud API notifications, Viber callbacks, VK Callback API events, LINE webhooks, MAX Bot API updates (X-Max-Bot-Api-Secret) — ' +
          "verified with the bot's secret, then resolved like POST /v1/inbound; the tag message of a link completed here is sent through the bot (queued like any outgoing message). No API key: the messenger signs the request instead. VK's confirmation is answered with the bot's confirmation_code, other VK events with `ok`.",
        security: [],
        params: Params,
        response: { 200: WebhookAnswer, ...errors },
      },
    },
    async (request, reply) => {
      const { channel, adapter } = adapterFor(request.params.channel);
      const bot = await findWebhookBot(store, channel, request.params.bot_id);
      const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const payload = decode(adapter, rawBody);
      adapter.verify({ rawBody, headers: request.headers, payload }, bot);
      // A genuine message is kept even when its text holds what PostgreSQL cannot store (NUL, lone
      // surrogates): refusing it would make the messenger retry it forever.
      const parsed = adapter.parse(withStorableText(payload));
      if (!parsed.confirmation) await receiveWebhook(outbound, bot, parsed);
      const answer = adapter.answer(parsed, bot);
      return reply.type(answer.contentType).send(answer.body);
    },
  );

  app.get(
    '/channels/:channel/:bot_id',
    {
      schema: {
        operationId: 'verifyChannelWebhook',
        tags: ['channels'],
        summary: "Meta's webhook verification (hub.challenge)",
        description: "Answers hub.challenge when hub.verify_token is the bot's verify_token (or its secret when it has none).",
        security: [],
        params: Params,
        querystring: HubQuery,
        response: { 200: { description: 'hub.challenge, as it came', content: { 'text/plain': { schema: Type.String() } } }, ...errors },
      },
    },
    async (request, reply) => {
      const { channel, adapter } = adapterFor(request.params.channel);
      if (!adapter.handshake) throw new DomainError('no_webhook_for_channel', `${channel} webhooks have no GET handshake; the messenger posts to this URL`);
      const bot = await findWebhookBot(store, channel, request.params.bot_id);
      return reply.type('text/plain').send(adapter.handshake(request.query, bot));
    },
  );
};
