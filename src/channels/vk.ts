import { createHash } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { DomainError } from '../domain/errors.js';
import type { InboundAttachment } from '../usecases/resolve-inbound.js';
import { callApi, defined, DeliveryDeferred, DeliveryRefused, emptyWebhook, forged, geoUri, readPayload, requireKey, sameSecret, textOf, type MessengerAdapter } from './kit.js';

// VK Callback API (https://dev.vk.com/ru/api/callback/getting-started): JSON events
// `{type, group_id, event_id, v, object, secret}`; the community's secret key comes inside the body.
// The server is confirmed by answering a `confirmation` event with the confirmation string as plain
// text; every other event is answered `ok`. A vk.me/<group>?ref=<token> link comes back as
// `message_new.object.message.ref` (with `ref_source`).

const Event = Type.Object({ type: Type.String(), group_id: Type.Integer(), secret: Type.Optional(Type.String()), object: Type.Optional(Type.Unknown()) });
const MessageNew = Type.Object({
  message: Type.Object({
    id: Type.Integer(),
    from_id: Type.Integer(),
    peer_id: Type.Integer(),
    text: Type.String(),
    conversation_message_id: Type.Optional(Type.Integer()),
    ref: Type.Optional(Type.String()),
    ref_source: Type.Optional(Type.String()),
    attachments: Type.Optional(Type.Array(Type.Object({ type: Type.String() }, { additionalProperties: true }))),
    geo: Type.Optional(Type.Object({ coordinates: Type.Object({ latitude: Type.Number(), longitude: Type.Number() }), place: Type.Optional(Type.Object({ title: Type.Optional(Type.String()) })) })),
  }),
});

/** Community chats with several people have peer ids from 2000000000 (VK's documented offset). */
const CHAT_PEER_OFFSET = 2_000_000_000;

type VkObject = Record<string, any>;

/** The largest of a photo's sizes, or a sticker's images: VK lists the same picture several times. */
const largest = (images: VkObject[] | undefined) => [...(images ?? [])].sort((a, b) => (b.width ?? 0) * (b.height ?? 0) - (a.width ?? 0) * (a.height ?? 0))[0]?.url;

const mediaId = (item: VkObject, type: string) => (item.owner_id !== undefined && item.id !== undefined ? `${type}${item.owner_id}_${item.id}` : undefined);

/**
 * VK attachments (https://dev.vk.com/ru/reference/objects/attachments-message): `{type, <type>: {...}}`.
 * The file id is VK's own `<type><owner_id>_<id>` (what messages.send takes back as an attachment).
 */
const ATTACHMENTS: Record<string, (item: VkObject) => InboundAttachment> = {
  photo: (p) => defined({ type: 'photo', url: largest(p.sizes), file_id: mediaId(p, 'photo'), name: p.text }),
  doc: (d) => defined({ type: 'document', url: d.url, file_id: mediaId(d, 'doc'), size: d.size, name: d.title }),
  audio_message: (a) => defined({ type: 'voice', url: a.link_ogg ?? a.link_mp3, file_id: mediaId(a, 'audio_message') }),
  audio: (a) => defined({ type: 'audio', url: a.url, file_id: mediaId(a, 'audio'), name: [a.artist, a.title].filter(Boolean).join(' – ') }),
  video: (v) => defined({ type: 'video', url: v.player, file_id: mediaId(v, 'video'), name: v.title }),
  sticker: (s) => defined({ type: 'sticker', url: largest(s.images), file_id: s.sticker_id === undefined ? undefined : String(s.sticker_id) }),
  graffiti: (g) => defined({ type: 'photo', url: g.url, file_id: mediaId(g, 'graffiti') }),
  link: (l) => defined({ type: 'url', url: l.url, name: l.title }),
};

function attachmentsOf(message: Static<typeof MessageNew>['message']): InboundAttachment[] {
  const found = (message.attachments ?? []).flatMap((a) => {
    const read = ATTACHMENTS[a.type] as ((item: VkObject) => InboundAttachment) | undefined;
    const item = (a as VkObject)[a.type];
    return read && item ? [read(item)] : [];
  });
  if (message.geo) found.push(defined({ type: 'location', url: geoUri(message.geo.coordinates.latitude, message.geo.coordinates.longitude), name: message.geo.place?.title }));
  return found.filter((a) => a.url || a.file_id);
}

/** messages.send takes a random_id so a repeated call does not send twice; ours is stable per message. */
function randomIdOf(messageId: string): string {
  return String(createHash('sha256').update(messageId).digest().readInt32BE(0));
}

/** VK error codes worth another try: too many requests, flood, internal server error. */
const RETRYABLE = new Set([6, 9, 10]);
/** The user cannot get messages from the community: blacklisted it, never allowed messages, privacy settings. */
const UNREACHABLE = new Set([900, 901, 902]);

export const vk: MessengerAdapter = {
  defaultApiUrl: 'https://api.vk.com/method',

  verify(request, bot) {
    const event = readPayload(Event, request.payload, 'VK Callback API');
    // VK sends the secret with the confirmation too, once a secret key is set for the server
    const secret = requireKey(bot, bot.secret, 'secret (the Callback API secret key)');
    if (!sameSecret(event.secret ?? null, secret)) throw forged('the "secret" field');
  },

  parse(payload) {
    const event = readPayload(Event, payload, 'VK Callback API');
    const parsed = emptyWebhook();
    if (event.type === 'confirmation') return { ...parsed, confirmation: true };
    if (event.type !== 'message_new') return parsed; // typing, allow/deny, replies of the community…
    const { message } = readPayload(MessageNew, event.object, 'VK message_new');
    if (message.from_id <= 0) return parsed; // written by a community, not a person
    // a chat with several people is not a dialog with the business: ignored (docs/messengers.md)
    if (message.peer_id >= CHAT_PEER_OFFSET || message.peer_id !== message.from_id) return parsed;
    const attachments = attachmentsOf(message);
    parsed.inbound.push({
      external_user_id: String(message.from_id),
      text: textOf(message.text),
      payload: message.ref,
      message_id: String(message.id),
      ...(attachments.length > 0 ? { attachments } : {}),
    });
    return parsed;
  },

  answer(parsed, bot) {
    if (!parsed.confirmation) return { contentType: 'text/plain', body: 'ok' };
    if (!bot.confirmation_code) {
      throw new DomainError('webhook_not_configured', `bot ${bot.id} has no confirmation_code; connect it with the string VK shows in Callback API settings`);
    }
    return { contentType: 'text/plain', body: bot.confirmation_code };
  },

  async send(api, bot, to, text, messageId) {
    const body = await callApi(
      {
        url: `${api}/messages.send`,
        form: { access_token: bot.token, v: '5.199', user_id: to, random_id: randomIdOf(messageId), message: text },
        check: (b) => {
          if (!b?.error) return;
          const reason = `VK error ${b.error.error_code}: ${b.error.error_msg}`;
          throw RETRYABLE.has(b.error.error_code) ? new DeliveryDeferred(reason) : new DeliveryRefused(reason, UNREACHABLE.has(b.error.error_code));
        },
      },
      (b) => b?.error?.error_msg,
    );
    return { external_message_id: body?.response === undefined ? null : String(body.response) };
  },
  // the same random_id on every attempt: VK sends a message once
  idempotent: true,
};
