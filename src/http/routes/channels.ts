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
import { ErrorBody, Id } from '../schemas.js';

// SPEC §7: messengers post their own payloads here. They cannot send our API key, so this plugin is
// registered outside the key's scope: the bot is found by its id and the payload is verified with the
// bot's secret the messenger's way. Signatures cover the raw bytes, so bodies are kept as buffers.

const Params = Type.Object({ channel: Type.String(), bot_id: Id });
const errors = { 400: Type.Ref(ErrorBody), 401: Type.Ref(ErrorBody), 403: Type.Ref(ErrorBody), 404: Type.Ref(ErrorBody), 413: Type.Ref(ErrorBody), 503: Type.Ref(ErrorBody) };

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
        tags: ['channels'],
        summary: "A messenger's own webhook (SPEC §7)",
        description:
          'Telegram Update, Meta (facebook, instagram) and WhatsApp Cloud API notifications, Viber callbacks, VK Callback API events, LINE webhooks — ' +
          "verified with the bot's secret, then resolved like POST /v1/inbound; the tag message of a link completed here is sent through the bot (queued like any outgoing message). No API key: the messenger signs the request instead. VK's confirmation is answered with the bot's confirmation_code, other VK events with `ok`.",
        security: [],
        params: Params,
        response: { 200: Type.Unknown({ description: 'what the messenger expects' }), ...errors },
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
        tags: ['channels'],
        summary: "Meta's webhook verification (hub.challenge)",
        description: "Answers hub.challenge when hub.verify_token is the bot's verify_token (or its secret when it has none).",
        security: [],
        params: Params,
        querystring: Type.Record(Type.String(), Type.String()),
        response: { 200: Type.String(), ...errors },
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
