import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { DomainError } from '../domain/errors.js';
import { callApi, DeliveryDeferred, DeliveryRefused, emptyWebhook, forged, readPayload, requireKey, sameSecret, textOf, type MessengerAdapter } from './kit.js';

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
  }),
});

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
    parsed.inbound.push({
      external_user_id: String(message.from_id),
      text: textOf(message.text),
      payload: message.ref,
      // id is 0 in group chats, where conversation_message_id counts per chat
      message_id: message.id > 0 ? String(message.id) : `${message.peer_id}:${message.conversation_message_id ?? 0}`,
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
