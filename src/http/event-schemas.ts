import { Type, type TSchema } from '@sinclair/typebox';
import { CHANNEL_NAMES } from '../domain/channels.js';
import { ChannelName, ContactCard, Id, MergeCounts, Nullable, Timestamp } from './schemas.js';

// The events omnimerge emits (docs/events.md), one payload shape per type whoever caused the change: the
// same objects arrive in webhook deliveries and in GET /v1/events. A union discriminated on `type`.

const EventIdentity = Type.Object(
  { id: Id, bot_id: Id, channel: ChannelName, external_user_id: Type.String() },
  { description: 'the identity whose first message made the contact' },
);

export const LinkData = Type.Object(
  {
    link_id: Id,
    contact_id: Type.String({ format: 'uuid', description: 'the contact the identity belongs to now' }),
    identity_id: Id,
    bot_id: Id,
    channel: ChannelName,
    tag: Nullable(Type.String({ description: "the link's message for the client" })),
    merge_id: Nullable(Type.String({ format: 'uuid', description: 'the merge that joined the arriving contact, if any' })),
    from_contact_id: Nullable(Type.String({ format: 'uuid', description: 'the contact merged into contact_id, if any' })),
  },
  { title: 'LinkEventData', description: 'a merge link completed: the identity that arrived with it joined the contact' },
);

const SuggestionKind = Type.Union([Type.Literal('link'), Type.Literal('rule'), Type.Literal('likely')]);

/** What a merge records, in contact.merged and in the contact's history. */
export const MergeRecord = Type.Object(
  {
    merge_id: Id,
    from_contact_id: Id,
    to_contact_id: Id,
    reason: Type.String({ description: 'api, link, rule:<id> or suggestion:<id>' }),
    actor: Type.String({ description: 'who merged' }),
    moved: MergeCounts,
    fields: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.Literal('from'), Type.Literal('to')]), { description: "the operator's per-field choice the merge followed, when there was one" }),
    ),
  },
  { title: 'MergeRecord', description: 'a merge: who, why and what moved' },
);

/** What message.sent and message.failed say about the message. */
const OutgoingMessageData = {
  message_id: Id,
  conversation_id: Id,
  contact_id: Id,
  bot_id: Id,
  channel: ChannelName,
  identity_id: Id,
  text: Type.String(),
};

const PAYLOADS: Array<{ type: string; title: string; summary: string; data: TSchema }> = [
  {
    type: 'contact.created',
    title: 'ContactCreatedEvent',
    summary: 'a contact was created, by the API or by the first message of an identity',
    data: Type.Object({
      contact: Type.Ref(ContactCard),
      identity: Nullable(EventIdentity),
    }),
  },
  {
    type: 'contact.updated',
    title: 'ContactUpdatedEvent',
    summary: 'a contact was changed',
    data: Type.Object({ contact: Type.Ref(ContactCard), changed: Type.Array(Type.String(), { description: 'the fields the change named' }) }),
  },
  {
    type: 'contact.merged',
    title: 'ContactMergedEvent',
    summary: 'from_contact_id was merged into to_contact_id',
    data: MergeRecord,
  },
  {
    type: 'contact.unmerged',
    title: 'ContactUnmergedEvent',
    summary: 'an identity was untied into a new contact (undo false), or a whole merge was undone (undo true)',
    data: Type.Object({
      contact_id: Type.String({ format: 'uuid', description: 'unmerge: the contact the identity left; undo: the contact that is active again' }),
      actor: Type.String(),
      undo: Type.Boolean({ description: 'true when a whole merge was undone' }),
      new_contact_id: Type.Optional(Type.String({ format: 'uuid', description: 'unmerge: the new contact' })),
      identity_id: Type.Optional(Type.String({ format: 'uuid', description: 'unmerge: the identity untied' })),
      moved: Type.Optional(Type.Object({ conversations: Type.Integer(), messages: Type.Integer() }, { description: 'unmerge: what moved to the new contact' })),
      merge_id: Type.Optional(Type.String({ format: 'uuid', description: 'undo: the merge undone' })),
      from_contact_id: Type.Optional(Type.String({ format: 'uuid', description: 'undo: the merged contact, active again' })),
      to_contact_id: Type.Optional(Type.String({ format: 'uuid', description: 'undo: the contact it had been merged into' })),
    }),
  },
  { type: 'identity.linked', title: 'IdentityLinkedEvent', summary: 'a messenger identity was linked to a contact by a merge link', data: LinkData },
  {
    type: 'merge.suggested',
    title: 'MergeSuggestedEvent',
    summary: 'manual mode: a merge waits for an operator',
    data: Type.Object({
      suggestion_id: Id,
      kind: SuggestionKind,
      reason: Type.String(),
      evidence: Type.Record(Type.String(), Type.Unknown(), { description: 'likely: {score, items}, the compared fields as GET /v1/contacts/{id}/duplicates answers them' }),
      score: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'likely: how alike the two contacts are, 0–1' })),
      from_contact_id: Id,
      to_contact_id: Id,
    }),
  },
  {
    type: 'merge.rejected',
    title: 'MergeRejectedEvent',
    summary: 'manual mode: an operator rejected a suggestion',
    data: Type.Object({ suggestion_id: Id, kind: SuggestionKind, reason: Type.String(), decided_by: Type.String(), from_contact_id: Id, to_contact_id: Id }),
  },
  {
    type: 'message.outbound',
    title: 'MessageOutboundEvent',
    summary: 'a message for the host to deliver (the bot has no token to send with)',
    data: Type.Object({
      message_id: Id,
      conversation_id: Id,
      contact_id: Id,
      bot_id: Id,
      channel: ChannelName,
      identity_id: Id,
      external_user_id: Type.String(),
      text: Type.String(),
    }),
  },
  {
    type: 'message.sent',
    title: 'MessageSentEvent',
    summary: 'an outgoing message was accepted by the messenger',
    data: Type.Object({
      ...OutgoingMessageData,
      external_message_id: Nullable(Type.String({ description: "the messenger's id of the sent message" })),
    }),
  },
  {
    type: 'message.failed',
    title: 'MessageFailedEvent',
    summary: 'an outgoing message failed for good: refused by the messenger, or not through before its time to give up',
    data: Type.Object({
      ...OutgoingMessageData,
      error: Nullable(Type.String({ description: "why, in the messenger's words" })),
      unreachable: Type.Boolean({ description: 'the messenger says the client cannot be written to (blocked the bot…)' }),
    }),
  },
  {
    type: 'contact.erased',
    title: 'ContactErasedEvent',
    summary: 'a person was erased (DELETE /v1/contacts/{id}?erase=true); ids only, no personal data: drop what you keep about them',
    data: Type.Object({
      contact_id: Id,
      erased_contact_ids: Type.Array(Id, { description: 'the contact and the contacts that had been merged into it' }),
      erasure_id: Id,
    }),
  },
];

const envelope = (type: TSchema, data: TSchema, title: string, description: string) =>
  Type.Object(
    {
      id: Type.String({ description: 'event id (digits); increases in the order events are published; the same on every delivery attempt' }),
      type,
      created_at: Timestamp,
      project_id: Id,
      contact_id: Nullable(Id),
      data,
    },
    { title, description },
  );

const SWITCH_TYPES = CHANNEL_NAMES.map((channel) => `switch_to_${channel}`);

const variants = [
  ...PAYLOADS.map(({ type, title, summary, data }) => ({ types: [type], title, schema: envelope(Type.Literal(type), data, title, summary) })),
  {
    types: SWITCH_TYPES,
    title: 'SwitchToChannelEvent',
    schema: envelope(
      Type.Union(SWITCH_TYPES.map((t) => Type.Literal(t))),
      LinkData,
      'SwitchToChannelEvent',
      'switch_to_<channel>: a client followed a merge link to that channel; data.tag is the message to send them',
    ),
  },
];

/** Every event, in a webhook body and in GET /v1/events. */
export const Event = Type.Union(
  variants.map((v) => v.schema),
  {
    title: 'Event',
    description: 'what happened; `type` says which payload `data` holds',
    discriminator: {
      propertyName: 'type',
      mapping: Object.fromEntries(variants.flatMap((v) => v.types.map((type) => [type, `#/components/schemas/${v.title}`]))),
    },
  },
);

/** The event types the document describes, to check EVENT_TYPES against. */
export const DOCUMENTED_EVENT_TYPES = variants.flatMap((v) => v.types);
