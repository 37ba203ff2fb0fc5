import type { Channel } from '../domain/channels.js';
import { DomainError } from '../domain/errors.js';
import { requireEmail, requirePhone } from '../domain/normalize.js';
import { newId } from '../ids.js';
import type { BotRow } from '../store/bots.js';
import { insertAttachments, insertInboundMessage } from '../store/messages.js';
import type { Store, Tx } from '../store/database.js';
import { inboundResolutions } from '../metrics.js';
import { insertIdentityWithContact, touchKnownIdentity, type IdentityKey, type ProfileValues } from '../store/identities.js';
import { enqueueEvents, type OutboxEvent } from '../store/outbox.js';
import { selectSettings } from '../store/projects.js';
import { applyInviteData, type UntrustedSource } from './steps/apply-invite-data.js';
import { completeLink } from './steps/complete-merge-link.js';
import { applyRules, ruleOutcomeMatters, type RuleOutcome } from './steps/apply-rules.js';
import { findBot } from './steps/find-bot.js';
import { contactCreatedEvent } from './steps/inbound-events.js';

/** An inbound message in normalized form (docs/api.md `POST /v1/inbound`); messenger adapters produce the same. */
export interface InboundInput {
  bot_id: string;
  external_user_id: string;
  text?: string;
  /** start / ref / context parameter as the messenger delivered it */
  payload?: string;
  /** the platform's message id: a second delivery with the same id stores nothing new */
  message_id?: string;
  profile?: { name?: string; username?: string; phone?: string; email?: string };
  /** files, images, locations that came with the message; they follow it when contacts merge */
  attachments?: InboundAttachment[];
  /**
   * an ad or campaign referral (source, ad id, ref, headline…): kept on the message as a fact about
   * the conversation, never written to the contact (docs/messengers.md)
   */
  referral?: Record<string, string>;
}

/** One attachment as a messenger or the caller gives it: a URL or the messenger's file id, or both. */
export interface InboundAttachment {
  /** photo, video, voice, audio, document, sticker, animation, location, contact, file… */
  type: string;
  url?: string;
  file_id?: string;
  mime_type?: string;
  size?: number;
  name?: string;
}

/** What the caller should do: send a merge link's tag message to the client through the bot. */
export interface InboundAction {
  type: 'send_message';
  channel: Channel;
  bot_id: string;
  identity_id: string;
  text: string;
}

/** The merge link a message completed, or left for an operator (manual mode). */
export interface InboundLink {
  link_id: string;
  contact_id: string;
  identity_id: string;
  status: 'completed' | 'suggested';
  channel?: Channel;
  tag?: string | null;
  merge_id?: string;
  suggestion_id?: string;
}

export interface InboundResult {
  contact_id: string;
  identity_id: string;
  conversation_id: string;
  message_id: string | null;
  created: boolean;
  duplicate: boolean;
  linked?: InboundLink;
  merged?: { merge_id: string; from_contact_id: string; to_contact_id: string };
  /** the invite data written to the contact (docs/links.md) */
  invite?: { p?: string; e?: string; eId?: string; v?: Record<string, unknown>; signed: boolean; trusted: boolean };
  /** what the merge rules did when the contact's fields changed (docs/rules.md) */
  rules?: RuleOutcome;
  actions: InboundAction[];
  errors: Array<{ code: string; message: string }>;
}

/**
 * What a step after storage sees: docs/concepts.md steps 3–5 (complete a link, apply invite data, run the merge
 * rules, enqueue events) are such steps, run in order inside the resolution's transaction.
 */
export interface InboundContext {
  tx: Tx;
  store: Store;
  projectId: string;
  bot: BotRow;
  channel: Channel;
  input: InboundInput;
  contactChanged: boolean;
  /** fields an unsigned invite or a plain start parameter wrote: they may suggest a merge, never make one */
  untrusted?: { source: UntrustedSource; fields: string[] };
  result: InboundResult;
  events: OutboxEvent[];
}

export type InboundStep = (ctx: InboundContext) => Promise<void>;

const MAX_ATTEMPTS = 8;

/** docs/concepts.md: resolve an inbound message to a contact, in one transaction. */
export async function resolveInbound(store: Store, projectId: string, input: InboundInput, steps: InboundStep[] = DEFAULT_STEPS): Promise<InboundResult> {
  const bot = await findBot(store, projectId, input.bot_id);
  const key: IdentityKey = { projectId, botId: bot.id, externalUserId: input.external_user_id.trim() };
  if (key.externalUserId === '') throw new DomainError('invalid_request', 'external_user_id must not be empty');
  const pointless = input.attachments?.findIndex((a) => !a.url && !a.file_id) ?? -1;
  if (pointless >= 0) throw new DomainError('invalid_request', `attachments[${pointless}] needs a url or file_id: where the file is`);
  const profile = await readProfile(store, projectId, input.profile);

  const result = await store.transaction(async (tx) => {
    const { identity, created, contactChanged } = await findOrCreateIdentity(tx, key, profile);
    const stored = await insertInboundMessage(
      tx,
      {
        projectId,
        contactId: identity.contact_id,
        botId: bot.id,
        channel: bot.channel,
        identityId: identity.identity_id,
        text: input.text ?? null,
        payload: input.payload ?? null,
        externalMessageId: input.message_id ?? null,
        referral: input.referral ?? null,
      },
      { conversationId: newId(), messageId: newId() },
    );
    if (stored.message_id && input.attachments) {
      await insertAttachments(
        tx,
        projectId,
        stored.message_id,
        input.attachments.map((a) => ({ type: a.type, url: a.url ?? null, file_id: a.file_id ?? null, mime_type: a.mime_type ?? null, size: a.size ?? null, name: a.name ?? null })),
      );
    }
    const ctx: InboundContext = {
      tx,
      store,
      projectId,
      bot,
      channel: bot.channel as Channel,
      input,
      contactChanged,
      result: {
        contact_id: identity.contact_id,
        identity_id: identity.identity_id,
        conversation_id: stored.conversation_id,
        message_id: stored.message_id ?? stored.duplicate_of,
        created,
        duplicate: stored.message_id === null,
        actions: [],
        errors: [],
      },
      events: [],
    };
    for (const step of steps) await step(ctx);
    await enqueueEvents(tx, projectId, ctx.events);
    return ctx.result;
  });
  inboundResolutions.inc({ outcome: result.duplicate ? 'duplicate' : result.created ? 'created' : 'known' });
  return result;
}

/**
 * inbound resolution step 1 (docs/concepts.md). The known identity is tried first (the common case, one statement); a new one is
 * created with its contact; when a concurrent message created it first, or a merge moved it while this
 * waited, the known path is tried again.
 */
async function findOrCreateIdentity(tx: Tx, key: IdentityKey, profile: ProfileValues) {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const known = await touchKnownIdentity(tx, key, profile);
    if (known) return { identity: known, created: false, contactChanged: known.contact_changed };
    const fresh = await insertIdentityWithContact(tx, key, profile, { identityId: newId(), contactId: newId() });
    if (fresh) return { identity: fresh, created: true, contactChanged: true };
  }
  throw new DomainError('conflict', 'the identity kept moving between contacts while this message was stored; send it again');
}

async function readProfile(store: Store, projectId: string, profile: InboundInput['profile']): Promise<ProfileValues> {
  const text = (value: string | undefined) => (value === undefined || value.trim() === '' ? null : value.trim());
  const phone = text(profile?.phone);
  const email = text(profile?.email);
  return {
    name: text(profile?.name),
    username: text(profile?.username)?.replace(/^@/, '') ?? null,
    phone: phone === null ? null : requirePhone(phone, (await selectSettings(store.db, projectId)).default_region),
    email: email === null ? null : requireEmail(email),
  };
}

/** inbound resolution step 5 (docs/concepts.md): a contact seen for the first time is announced. */
export const announceNewContact: InboundStep = async (ctx) => {
  // Written at once, before a link or a rule may merge the new contact away: subscribers hear of it first.
  if (ctx.result.created) await enqueueEvents(ctx.tx, ctx.projectId, [await contactCreatedEvent(ctx)]);
};

/**
 * inbound resolution step 4 (docs/concepts.md): after the profile or invite data changed the contact, the merge rules run; when the
 * contact is merged into an older one, the answer names the survivor.
 */
export const runMergeRules: InboundStep = async (ctx) => {
  if (!ctx.contactChanged) return;
  const outcome = await applyRules(ctx.tx, ctx.projectId, ctx.result.contact_id, undefined, ctx.untrusted);
  if (!ruleOutcomeMatters(outcome)) return;
  ctx.result.contact_id = outcome.contact_id;
  ctx.result.rules = outcome;
};

export const DEFAULT_STEPS: InboundStep[] = [announceNewContact, completeLink, applyInviteData, runMergeRules];
