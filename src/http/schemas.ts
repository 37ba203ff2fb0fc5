import { Type, type TSchema } from '@sinclair/typebox';
import { CHANNEL_NAMES } from '../domain/channels.js';
import { FIELD_LIMITS } from '../domain/contact.js';
import { JSON_LIMITS } from '../domain/json-limits.js';

// The schemas that validate requests, shape answers and make /openapi.json — one source for all three.

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
// Answers carry Dates; the serializer writes them as ISO 8601 text.
export const Timestamp = Type.Unsafe<Date>({ type: 'string', format: 'date-time' });
export const Id = Type.String({ format: 'uuid', description: 'an id this API gave out' });

export const ErrorBody = Type.Object(
  { error: Type.Object({ code: Type.String(), message: Type.String() }) },
  { $id: 'Error', description: 'what went wrong and what to fix' },
);

/** The error answer of one status, described for the OpenAPI document. */
export const ErrorAnswer = (description: string) => Type.Ref(ErrorBody, { description });

export const ChannelName = Type.Union(CHANNEL_NAMES.map((c) => Type.Literal(c)));
export const ChannelInput = Type.Union([Type.String({ minLength: 1, maxLength: 50 }), Type.Integer({ minimum: 0, maximum: 1000 })], {
  description: 'a channel name (telegram, viber, facebook, whatsapp, instagram, vk, odnoklassniki, line, max, webchat, email, sms) or its seed number (1 telegram, 2 viber, 3 facebook, 6 whatsapp, 10 instagram, 0 vk, 8 odnoklassniki)',
});

export const Bot = Type.Object(
  {
    id: Id,
    channel: ChannelName,
    client_type: Nullable(Type.Integer()),
    handle: Type.String(),
    name: Nullable(Type.String()),
    has_secret: Type.Boolean(),
    has_token: Type.Boolean(),
    webhook_path: Nullable(Type.String({ description: "where to point the messenger's webhook (docs/messengers.md); null for channels that use POST /v1/inbound" })),
    account_id: Nullable(Type.String({ description: 'WhatsApp: the phone-number ID messages are sent from' })),
    start_param: Type.Union([Type.Literal('external_id'), Type.Literal('ignore')], { description: 'what a plain start parameter does' }),
    trust_start_data: Type.Boolean({ description: 'whether start-parameter and unsigned invite fields may merge contacts automatically' }),
    created_at: Timestamp,
    disconnected_at: Nullable(Timestamp),
    webhook_url: Nullable(Type.String({ description: "the server's public URL (OMNIMERGE_PUBLIC_URL) + webhook_path: the callback URL to paste into the messenger; null without a public URL or for channels that use POST /v1/inbound" })),
    last_webhook_at: Nullable(Timestamp),
  },
  { $id: 'Bot', description: 'a connected messenger account (its secrets are never returned)' },
);

const Variables = Type.Record(Type.String(), Type.Unknown(), { description: 'free JSON object' });

/**
 * A free JSON object a caller writes (variables, preferences, event and reference data): held to
 * JSON_LIMITS before anything is stored (400 invalid_json_shape names the field and the limit).
 */
export const FreeJsonInput = (description: string) =>
  Type.Record(Type.String(), Type.Unknown(), {
    description: `${description}; at most ${JSON_LIMITS.depth} levels deep, ${JSON_LIMITS.keys} keys and ${JSON_LIMITS.bytes / 1024} KB as JSON`,
    'x-json-limits': JSON_LIMITS,
  });

const contactFields = {
  id: Id,
  state: Type.Union([Type.Literal('active'), Type.Literal('merged')]),
  merged_into: Nullable(Id),
  name: Nullable(Type.String()),
  phone: Nullable(Type.String({ description: 'E.164' })),
  email: Nullable(Type.String()),
  external_id: Nullable(Type.String()),
  variables: Variables,
  preferences: Type.Record(Type.String(), Type.Unknown(), { description: 'communication preferences, a free JSON object; a merge replaces them with the merged contact\'s when it has any' }),
  tags: Type.Array(Type.String()),
  alternates: Type.Object(
    { phones: Type.Array(Type.String()), emails: Type.Array(Type.String()) },
    { description: 'secondary phones and e-mails kept by merges; lookups and merge rules find the contact by them too' },
  ),
  created_at: Timestamp,
  updated_at: Timestamp,
};

export const Contact = Type.Object(contactFields, { $id: 'Contact', description: 'a person: one contact across all their messenger identities' });

export const Identity = Type.Object(
  {
    id: Id,
    channel: ChannelName,
    bot_id: Id,
    bot_handle: Type.String(),
    external_user_id: Type.String(),
    name: Nullable(Type.String()),
    username: Nullable(Type.String()),
    last_inbound_at: Nullable(Timestamp),
    subscribed: Nullable(Type.Boolean({ description: 'Viber: whether the client is subscribed to the bot; null when not known' })),
    window_open: Type.Boolean({ description: "whether the channel's customer-service window is open (docs/messengers.md)" }),
    window_closes_at: Nullable(Timestamp),
    bot_connected: Type.Boolean({ description: 'false once the bot is disconnected (DELETE /v1/bots/{id}): nothing can be sent there, the window shows closed' }),
    reachable: Type.Boolean({ description: 'false when the messenger refused a message because the client cannot be written to (e.g. blocked the bot) and the client has not written since; the window is then closed' }),
    unreachable_reason: Nullable(Type.String({ description: "the messenger's words, while not reachable" })),
  },
  { $id: 'Identity', description: "one person's account on one bot" },
);

const RuleValues = Type.Array(Type.String(), { description: "the normalized values that matched, in the rule's field order" });

export const SharedValue = Type.Object(
  { rule_id: Id, values: RuleValues, contacts: Type.Integer({ description: 'active contacts holding these values (counted up to max_shared + 1 when a contact changes)' }) },
  { $id: 'SharedValue', description: 'values held by more than max_shared contacts: not used for automatic merges' },
);

export const RuleOutcome = Type.Object(
  {
    contact_id: Id,
    merged: Type.Array(Type.Object({ merge_id: Id, from_contact_id: Id, to_contact_id: Id, rule_id: Id, values: RuleValues })),
    suggested: Type.Array(
      Type.Object({ suggestion_id: Id, from_contact_id: Id, to_contact_id: Id, rule_id: Id, values: RuleValues, created: Type.Boolean() }),
    ),
    shared_values: Type.Array(Type.Ref(SharedValue)),
  },
  { $id: 'RuleOutcome', description: 'what the merge rules did when this contact changed (docs/rules.md), present when they merged, suggested or reported something; contact_id holds the person now' },
);

export const ContactCard = Type.Object(
  {
    ...contactFields,
    identities: Type.Array(Type.Ref(Identity)),
    conversations_count: Type.Integer(),
    recommended_channel: Nullable(ChannelName),
    rules: Type.Optional(Type.Ref(RuleOutcome)),
  },
  { $id: 'ContactCard', description: 'the contact with its identities ("related dialogs"), conversation count and recommended channel' },
);

export const ContactInput = Type.Object(
  {
    name: Type.Optional(Nullable(Type.String({ maxLength: FIELD_LIMITS.name }))),
    phone: Type.Optional(Nullable(Type.String({ maxLength: FIELD_LIMITS.phone, description: 'any writing; stored as E.164 read with default_region' }))),
    email: Type.Optional(Nullable(Type.String({ maxLength: FIELD_LIMITS.email }))),
    external_id: Type.Optional(Nullable(Type.String({ maxLength: FIELD_LIMITS.external_id }))),
    variables: Type.Optional(FreeJsonInput('free JSON object')),
    tags: Type.Optional(Type.Array(Type.String(), { maxItems: 200 })),
  },
  { additionalProperties: false },
);

export const Referral = Type.Record(Type.String(), Type.String(), {
  $id: 'Referral',
  description:
    'an ad or campaign the client came from, as the messenger reported it (source, type, ref, ad_id, headline, body, source_url…): a fact about the conversation, never written to the contact',
});

export const Conversation = Type.Object(
  {
    id: Id,
    contact_id: Id,
    bot_id: Id,
    channel: ChannelName,
    created_at: Timestamp,
    last_message_at: Nullable(Timestamp),
    messages_count: Type.Integer(),
    referral: Nullable(Type.Ref(Referral, { description: 'the latest ad or campaign referral in this conversation' })),
    last_message: Nullable(
      Type.Object(
        {
          text: Nullable(Type.String()),
          direction: Type.Union([Type.Literal('in'), Type.Literal('out')]),
          attachment_types: Type.Array(Type.String(), { description: 'types of its attachments, e.g. ["photo"]' }),
          created_at: Timestamp,
        },
        { description: 'the conversation\'s last message, to show beside it' },
      ),
    ),
    assignee: Nullable(
      Type.Object({ id: Id, name: Type.String() }, { description: 'the operator the conversation is assigned to (PUT /v1/conversations/{id}/assignee)' }),
    ),
  },
  { $id: 'Conversation', description: "a contact's dialog on one bot" },
);

export const AttachmentInput = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 50, description: 'photo, video, voice, audio, document, sticker, location, contact, file, …' }),
    url: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: 'where the file is; a geo: or tel: URI for a location or a shared contact' })),
    file_id: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: "the messenger's own id of the file; give it or url" })),
    mime_type: Type.Optional(Type.String({ maxLength: 200 })),
    size: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'bytes' })),
    name: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

export const Attachment = Type.Object(
  {
    id: Id,
    type: Type.String({ description: 'photo, video, voice, audio, document, sticker, animation, location, contact, file, …' }),
    url: Nullable(Type.String({ description: 'where the file is; geo:<lat>,<long> for a location, tel:<phone> for a shared contact' })),
    file_id: Nullable(Type.String({ description: "the messenger's own id of the file (Telegram file_id, WhatsApp media id, LINE message id)" })),
    mime_type: Nullable(Type.String()),
    size: Nullable(Type.Integer({ description: 'bytes, when the messenger gives it' })),
    name: Nullable(Type.String({ description: 'file name, sticker emoji, place or contact name' })),
  },
  { $id: 'Attachment', description: "a file, image, location or shared contact; its caption is the message's text" },
);


export const Message = Type.Object(
  {
    id: Id,
    conversation_id: Id,
    identity_id: Nullable(Id),
    direction: Type.Union([Type.Literal('in'), Type.Literal('out')]),
    text: Nullable(Type.String()),
    payload: Nullable(Type.String()),
    external_message_id: Nullable(Type.String()),
    delivery_state: Nullable(
      Type.String({ description: 'outbound: queued (waiting for the sending worker), sending, sent, failed, or handed_over (a message.outbound event for your system); null for inbound' }),
    ),
    delivery_error: Nullable(Type.String({ description: "failed: why, in the messenger's words; queued: why the last attempt did not go through" })),
    referral: Nullable(Type.Ref(Referral)),
    attachments: Type.Array(Type.Ref(Attachment)),
    created_at: Timestamp,
  },
  { $id: 'Message', description: 'a message in a conversation, in or out, with its delivery state' },
);

const settingsFields = {
    merge_mode: Type.Union([Type.Literal('auto'), Type.Literal('manual')], { description: 'auto completes links and rule matches at once; manual makes suggestions' }),
    default_region: Nullable(Type.String({ description: 'ISO 3166 country code used to read phones written without a country code' })),
    link_ttl_s: Type.Integer({ minimum: 60, maximum: 31_536_000, description: 'how long merge links and codes stay valid, in seconds (a minute to a year)' }),
    blocked_values: Type.Array(Type.String({ maxLength: 500 }), { maxItems: 1000, description: 'values that never match a merge rule' }),
    max_shared: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'a value shared by more active contacts than this is not used for automatic merges' }),
    likely_threshold: Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'likely duplicates scoring below this (0–1, default 0.8) are not shown or suggested' }),
};
export const Settings = Type.Object(settingsFields, { $id: 'Settings', description: "the project's settings" });
export const SettingsChange = Type.Partial(Type.Object(settingsFields), { additionalProperties: false });

/**
 * A page of a list, named in the OpenAPI document by its title (e.g. `ContactPage`): every answer body is a
 * named schema there, so the SDK's types have names.
 */
export const Page = <T extends TSchema>(item: T, title: string) =>
  Type.Object(
    { items: Type.Array(item), next_cursor: Nullable(Type.String({ description: 'pass as cursor for the next page; null on the last page' })) },
    { title, description: 'a page of the list, with the cursor of the next one' },
  );

/** A whole list without pages, named in the OpenAPI document by its title (e.g. `BotList`). */
export const List = <T extends TSchema>(item: T, title: string) => Type.Object({ items: Type.Array(item) }, { title, description: 'the whole list' });

export const PageQuery = {
  cursor: Type.Optional(Type.String()),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
};

/**
 * The errors every /v1 call may answer, each `{"error": {"code", "message"}}` (the codes are in docs/api.md).
 * Spread into a route's `response`; a route that can answer another status adds it beside.
 */
export const errorResponses = {
  400: ErrorAnswer('the request is malformed (invalid_request, invalid_json, invalid_cursor, …): the message says what to fix'),
  401: ErrorAnswer('unauthorized: no API key, or one this server does not know'),
  403: ErrorAnswer('csrf_check_failed: a change made with the sign-in cookie without the header X-Omnimerge-UI: 1, or from another site\'s page'),
  404: ErrorAnswer('not found in this project (contact_not_found, bot_not_found, …)'),
  409: ErrorAnswer('conflicts with the current state (contact_already_merged, suggestion_already_decided, conflict, …)'),
  413: ErrorAnswer('payload_too_large: the body is over 1 MB'),
  414: ErrorAnswer('uri_too_long: a path segment is over 100 characters'),
  431: ErrorAnswer('header_too_large: the request headers are over 16 KB'),
  415: ErrorAnswer('unsupported_media_type: send the body as application/json'),
  422: ErrorAnswer('understood but refused (invalid_phone, window_closed, payload_too_long, …)'),
  429: ErrorAnswer('rate_limited: too many requests for this API key, or too many failed authentications from this address; wait Retry-After seconds'),
  503: ErrorAnswer('database_unavailable or commit_unknown (the database is away; retry after Retry-After), contacts_busy, or the server is shutting down'),
};

const Count = Type.Integer({ minimum: 0 });
export const MergeCounts = Type.Object(
  {
    identities: Count,
    conversations: Type.Integer({ minimum: 0, description: 'conversations taken over whole' }),
    conversations_joined: Type.Integer({ minimum: 0, description: "conversations whose messages joined the survivor's conversation on the same bot" }),
    messages: Count,
    attachments: Count,
    contact_events: Count,
    conversation_events: Count,
    notes: Count,
    references: Count,
    scheduled_messages_deleted: Count,
    tags_added: Count,
    alternates_added: Count,
  },
  { $id: 'MergeCounts', description: 'what a merge moved (or would move)' },
);

export const MergeSuggestion = Type.Object(
  {
    id: Id,
    kind: Type.Union([Type.Literal('link'), Type.Literal('rule'), Type.Literal('likely')], { description: 'what found the pair: a link, a merge rule, or the likely-duplicates score' }),
    from_contact_id: Id,
    to_contact_id: Id,
    reason: Type.String({ description: 'link or rule:<id>, as the merge would be recorded' }),
    evidence: Type.Record(Type.String(), Type.Unknown(), { description: 'the rule with the values that matched, the link and the identity that used it, or (likely) the score and the compared fields' }),
    status: Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')]),
    merge_id: Nullable(Id),
    decided_by: Nullable(Type.String()),
    decided_at: Nullable(Timestamp),
    created_at: Timestamp,
  },
  { $id: 'MergeSuggestion', description: 'a merge waiting for an operator (manual mode), or decided' },
);

export const SHARED_SCHEMAS = [MergeSuggestion, ErrorBody, Bot, Contact, Identity, SharedValue, RuleOutcome, ContactCard, Conversation, Attachment, Referral, Message, Settings];

export const Health = Type.Object({ status: Type.Literal('ok') }, { title: 'Health', description: 'the process runs (GET /healthz) or is ready to serve (GET /readyz)' });
