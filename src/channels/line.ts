import { Type } from '@sinclair/typebox';
import type { InboundAttachment } from '../usecases/resolve-inbound.js';
import { callApi, defined, emptyWebhook, geoUri, forged, header, hmacSha256, OK_JSON, readPayload, requireKey, sameSecret, textOf, type MessengerAdapter } from './kit.js';

// LINE Messaging API (https://developers.line.biz/en/reference/messaging-api/#webhooks):
// `{destination, events[]}` signed in `x-line-signature` (base64 HMAC-SHA256 of the body keyed by the
// channel secret). An empty `events` array is LINE's connection check. `follow` (added as a friend)
// and `message` carry a person; a redelivered event keeps its `webhookEventId`.

const Event = Type.Object({
  type: Type.String(),
  timestamp: Type.Integer(),
  webhookEventId: Type.String(),
  source: Type.Optional(Type.Object({ type: Type.String(), userId: Type.Optional(Type.String()) })),
  message: Type.Optional(
    Type.Object({
      id: Type.String(),
      type: Type.String(),
      text: Type.Optional(Type.String()),
      fileName: Type.Optional(Type.String()),
      fileSize: Type.Optional(Type.Integer()),
      contentProvider: Type.Optional(Type.Object({ type: Type.String(), originalContentUrl: Type.Optional(Type.String()) })),
      title: Type.Optional(Type.String()),
      address: Type.Optional(Type.String()),
      latitude: Type.Optional(Type.Number()),
      longitude: Type.Optional(Type.Number()),
      stickerId: Type.Optional(Type.String()),
      keywords: Type.Optional(Type.Array(Type.String())),
    }),
  ),
});
type LineMessage = NonNullable<(typeof Event)['static']['message']>;

/** Media sent through LINE are fetched by message id (GET /v2/bot/message/{id}/content); external ones have a URL. */
const MEDIA_TYPES: Record<string, string> = { image: 'photo', video: 'video', audio: 'audio', file: 'document', sticker: 'sticker' };

function attachmentsOf(message: LineMessage): InboundAttachment[] {
  if (message.type === 'location' && message.latitude !== undefined && message.longitude !== undefined) {
    return [defined({ type: 'location', url: geoUri(message.latitude, message.longitude), name: message.title ?? message.address })];
  }
  const type = MEDIA_TYPES[message.type];
  if (!type) return [];
  const external = message.contentProvider?.type === 'external' ? message.contentProvider.originalContentUrl : undefined;
  return [defined({ type, url: external, file_id: message.type === 'sticker' ? message.stickerId : message.id, size: message.fileSize, name: message.fileName ?? message.keywords?.[0] })];
}
const Callback = Type.Object({ destination: Type.String(), events: Type.Array(Event) });

export const line: MessengerAdapter = {
  defaultApiUrl: 'https://api.line.me',

  verify(request, bot) {
    const secret = requireKey(bot, bot.secret, 'secret (the LINE channel secret)');
    if (!sameSecret(header(request, 'x-line-signature'), hmacSha256(secret, request.rawBody, 'base64'))) throw forged('x-line-signature');
  },

  parse(payload) {
    const callback = readPayload(Callback, payload, 'LINE');
    const parsed = emptyWebhook();
    for (const event of callback.events) {
      const person = event.source?.userId;
      // unfollow, postback, unsend, read receipts… and group or room events (not a dialog with the
      // business, ignored): nothing to resolve
      if (!person || event.source?.type !== 'user' || (event.type !== 'message' && event.type !== 'follow')) continue;
      const attachments = event.message ? attachmentsOf(event.message) : [];
      parsed.inbound.push({
        external_user_id: person,
        text: textOf(event.message?.text),
        message_id: event.message?.id ?? event.webhookEventId,
        ...(attachments.length > 0 ? { attachments } : {}),
      });
    }
    return parsed;
  },

  answer: () => OK_JSON,

  // push message; X-Line-Retry-Key makes a retried request send once
  async send(api, bot, to, text, messageId) {
    const body = await callApi(
      {
        url: `${api}/v2/bot/message/push`,
        headers: { authorization: `Bearer ${bot.token}`, 'x-line-retry-key': messageId },
        json: { to, messages: [{ type: 'text', text }] },
        // 409: an earlier attempt with this retry key was accepted (the id of that send is not repeated)
        alreadyAccepted: (status) => status === 409,
      },
      (b) => b?.message,
    );
    return { external_message_id: body?.sentMessages?.[0]?.id ?? null };
  },
  idempotent: true,
};
