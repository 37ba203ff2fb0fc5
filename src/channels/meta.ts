import { Type } from '@sinclair/typebox';
import { DomainError } from '../domain/errors.js';
import type { BotRow } from '../store/bots.js';
import type { InboundAttachment } from '../usecases/resolve-inbound.js';
import {
  callApi,
  defined,
  emptyWebhook,
  forged,
  geoUri,
  header,
  hmacSha256,
  OK_JSON,
  readPayload,
  requireKey,
  sameSecret,
  stableEventId,
  textOf,
  type ChannelInbound,
  type MessengerAdapter,
  type WebhookRequest,
} from './kit.js';

// Meta's Messenger Platform, for Facebook pages and Instagram accounts alike
// (https://developers.facebook.com/docs/messenger-platform/webhooks): `entry[].messaging[]` events,
// signed with the app secret in `X-Hub-Signature-256`; the webhook is confirmed by a
// `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`. A link's `ref` comes back as
// `referral.ref` (a known thread) or `postback.referral.ref` (Get Started in a new thread).

/** The app secret signs every payload: `sha256=<hex HMAC of the raw body>`. */
export function verifyHubSignature(request: WebhookRequest, bot: BotRow): void {
  const secret = requireKey(bot, bot.secret, 'secret (the Meta app secret)');
  const signature = header(request, 'x-hub-signature-256');
  if (!sameSecret(signature, `sha256=${hmacSha256(secret, request.rawBody, 'hex')}`)) throw forged('X-Hub-Signature-256');
}

/**
 * Confirms the webhook: the verify token is the bot's `verify_token` (made and shown once when the bot
 * is connected without one), or its secret for bots connected before verify tokens were made.
 */
export function hubChallenge(query: Record<string, unknown>, bot: BotRow): string {
  const expected = bot.verify_token ?? bot.secret;
  const challenge = query['hub.challenge'];
  if (query['hub.mode'] !== 'subscribe' || typeof challenge !== 'string' || challenge === '') {
    throw new DomainError('invalid_request', 'expected hub.mode=subscribe with hub.verify_token and hub.challenge');
  }
  if (!expected || !sameSecret(typeof query['hub.verify_token'] === 'string' ? query['hub.verify_token'] : null, expected)) {
    throw new DomainError('verify_token_mismatch', "hub.verify_token is not the bot's verify_token (or its secret when it has none)");
  }
  return challenge;
}

const Referral = Type.Object({
  ref: Type.Optional(Type.String()),
  source: Type.Optional(Type.String()),
  type: Type.Optional(Type.String()),
  ad_id: Type.Optional(Type.Union([Type.String(), Type.Integer()])),
  ads_context_data: Type.Optional(
    Type.Object({ ad_title: Type.Optional(Type.String()), photo_url: Type.Optional(Type.String()), video_url: Type.Optional(Type.String()), post_id: Type.Optional(Type.String()) }),
  ),
});
const Attachment = Type.Object({
  type: Type.String(),
  payload: Type.Optional(
    Type.Union([
      Type.Object({
        url: Type.Optional(Type.String()),
        title: Type.Optional(Type.String()),
        sticker_id: Type.Optional(Type.Union([Type.Integer(), Type.String()])),
        coordinates: Type.Optional(Type.Object({ lat: Type.Number(), long: Type.Number() })),
      }),
      Type.Null(),
    ]),
  ),
});
const Messaging = Type.Object({
  sender: Type.Object({ id: Type.Optional(Type.String()), user_ref: Type.Optional(Type.String()) }),
  recipient: Type.Object({ id: Type.String() }),
  timestamp: Type.Optional(Type.Union([Type.Integer(), Type.String()])),
  message: Type.Optional(
    Type.Object({
      mid: Type.String(),
      text: Type.Optional(Type.String()),
      is_echo: Type.Optional(Type.Boolean()),
      is_deleted: Type.Optional(Type.Boolean()),
      is_unsupported: Type.Optional(Type.Boolean()),
      quick_reply: Type.Optional(Type.Object({ payload: Type.String() })),
      attachments: Type.Optional(Type.Array(Attachment)),
      referral: Type.Optional(Referral),
    }),
  ),
  postback: Type.Optional(Type.Object({ mid: Type.Optional(Type.String()), title: Type.Optional(Type.String()), payload: Type.Optional(Type.String()), referral: Type.Optional(Referral) })),
  referral: Type.Optional(Referral),
});
const Notification = Type.Object({
  object: Type.Union([Type.Literal('page'), Type.Literal('instagram')]),
  entry: Type.Array(Type.Object({ id: Type.String(), time: Type.Integer(), messaging: Type.Optional(Type.Array(Messaging)) })),
});
type Event = (typeof Messaging)['static'];
type MetaReferral = (typeof Referral)['static'];

/**
 * A referral is a start parameter only when it carries a `ref` and does not come from an ad: an m.me /
 * ig.me link's `ref` may be a merge token or invite data. An ad's referral (source ADS, or any referral
 * with an ad id) is a fact about the conversation, kept on the message and never written to the contact.
 */
function readReferral(referral: MetaReferral | undefined): Pick<ChannelInbound, 'payload' | 'referral'> {
  if (!referral) return {};
  const fromAd = referral.source === 'ADS' || referral.ad_id !== undefined;
  if (!fromAd && referral.ref) return { payload: referral.ref };
  const facts = defined({
    source: referral.source,
    type: referral.type,
    ref: referral.ref,
    ad_id: referral.ad_id === undefined ? undefined : String(referral.ad_id),
    headline: referral.ads_context_data?.ad_title,
    image_url: referral.ads_context_data?.photo_url,
    video_url: referral.ads_context_data?.video_url,
    post_id: referral.ads_context_data?.post_id,
  });
  return Object.keys(facts).length > 0 ? { referral: facts } : {};
}

/** Messenger's attachment types (image, video, audio, file, location, sticker…) kept with their URL. */
function attachmentsOf(message: NonNullable<Event['message']>): InboundAttachment[] {
  return (message.attachments ?? []).flatMap((a): InboundAttachment[] => {
    const payload = a.payload ?? {};
    if (payload.coordinates) return [defined({ type: 'location', url: geoUri(payload.coordinates.lat, payload.coordinates.long), name: payload.title })];
    const type = payload.sticker_id !== undefined ? 'sticker' : (ATTACHMENT_TYPES[a.type] ?? a.type);
    if (!payload.url) return [];
    return [defined({ type, url: payload.url, file_id: payload.sticker_id === undefined ? undefined : String(payload.sticker_id), name: payload.title })];
  });
}

const ATTACHMENT_TYPES: Record<string, string> = { image: 'photo', file: 'document' };

function inboundOf(event: Event): ChannelInbound | null {
  const person = event.sender.id;
  // deliveries, reads, reactions, echoes of the page's own messages, deleted (unsent) Instagram
  // messages: no person wrote anything
  if (!person || event.message?.is_echo || event.message?.is_deleted) return null;
  if (event.message) {
    const attachments = attachmentsOf(event.message);
    return {
      external_user_id: person,
      text: textOf(event.message.text),
      message_id: event.message.mid,
      ...readReferral(event.message.referral ?? event.referral),
      ...(attachments.length > 0 ? { attachments } : {}),
    };
  }
  if (event.postback) {
    const { postback } = event;
    return {
      external_user_id: person,
      text: textOf(postback.title),
      // a postback has a mid only sometimes: without one, a redelivery must still be stored once
      message_id: postback.mid ?? stableEventId('postback', person, event.timestamp, postback.payload, postback.title, postback.referral?.ref),
      ...readReferral(postback.referral),
    };
  }
  if (event.referral) {
    const { referral } = event;
    return {
      external_user_id: person,
      message_id: stableEventId('referral', person, event.timestamp, referral.ref, referral.source, referral.ad_id),
      ...readReferral(referral),
    };
  }
  return null;
}

/** What Messenger, Instagram and WhatsApp share: the Graph API, the signature and the handshake. */
export const META_PLATFORM = {
  defaultApiUrl: 'https://graph.facebook.com/v21.0',
  verify: verifyHubSignature,
  handshake: hubChallenge,
  answer: () => OK_JSON,
  // the Send API and the Cloud API take no idempotency key
  idempotent: false,
} satisfies Partial<MessengerAdapter>;

// Graph API error codes (https://developers.facebook.com/docs/graph-api/guides/error-handling,
// .../whatsapp/cloud-api/support/error-codes): temporary errors and rate limits come as 400 too.
const META_TRANSIENT = new Set([1, 2, 4, 17, 32, 613, 80006, 80007, 130429, 131016, 131056]);
// the person cannot get messages from this page or number: "This person isn't available right now",
// WhatsApp's "Message undeliverable" (not on WhatsApp, or has not accepted the new terms)
const META_UNREACHABLE = new Set([551, 131026]);

/** How a Graph API error reads, how to treat it. Outside-window codes (10 / 2018278, 131047) are plain refusals. */
export const GRAPH_ERRORS = {
  describe: (b: any): string | undefined => {
    const error = b?.error;
    if (!error?.message) return undefined;
    const details = error.error_data?.details ?? error.error_user_msg;
    const code = typeof error.code === 'number' && !String(error.message).includes(`#${error.code}`) ? ` (#${error.code})` : '';
    return `${error.message}${code}${details ? `: ${details}` : ''}`;
  },
  transient: (_status: number, b: any) => META_TRANSIENT.has(b?.error?.code),
  unreachable: (_status: number, b: any) => META_UNREACHABLE.has(b?.error?.code),
};

export const meta: MessengerAdapter = {
  ...META_PLATFORM,

  parse(payload) {
    const notification = readPayload(Notification, payload, 'Meta Messenger');
    const parsed = emptyWebhook();
    for (const entry of notification.entry) {
      for (const event of entry.messaging ?? []) {
        const inbound = inboundOf(event);
        if (inbound) parsed.inbound.push(inbound);
      }
    }
    return parsed;
  },

  // Send API: the page (or Instagram account) access token sends as the page, to its scoped id
  async send(api, bot, to, text) {
    const body = await callApi(
      {
        url: `${api}/me/messages`,
        headers: { authorization: `Bearer ${bot.token}` },
        json: { recipient: { id: to }, messaging_type: 'RESPONSE', message: { text } },
        transient: GRAPH_ERRORS.transient,
        unreachable: GRAPH_ERRORS.unreachable,
      },
      GRAPH_ERRORS.describe,
    );
    return { external_message_id: body?.message_id ?? null };
  },
};
