import { randomBytes } from 'node:crypto';
import { nextStep, WEBHOOK_SETUP } from '../domain/bot-setup.js';
import { CHANNELS, describeChannels, parseChannel, type Channel } from '../domain/channels.js';
import { DomainError } from '../domain/errors.js';
import { newId } from '../ids.js';
import type { Store } from '../store/database.js';
import { deleteNewBot, insertBot, markBotDisconnected, reconnectBot, selectDisconnectedBot, type BotRow } from '../store/bots.js';

export interface BotView {
  id: string;
  channel: Channel;
  client_type: number | null;
  handle: string;
  name: string | null;
  has_secret: boolean;
  has_token: boolean;
  /** where the messenger's webhook goes (docs/messengers.md); null for channels without an adapter */
  webhook_path: string | null;
  account_id: string | null;
  /** what a plain start parameter (not a merge token, not invite data) does */
  start_param: StartParam;
  /** whether fields from a start parameter or unsigned invite data may merge contacts automatically */
  trust_start_data: boolean;
  created_at: Date;
  /** set by DELETE /v1/bots/{id} */
  disconnected_at: Date | null;
}

export type StartParam = 'external_id' | 'ignore';

/** A bot as the API shows it: secrets and tokens never leave the server. */
export function botView(row: BotRow): BotView {
  const channel = row.channel as Channel;
  return {
    id: row.id,
    channel,
    client_type: CHANNELS[channel].seed,
    handle: row.handle,
    name: row.name,
    has_secret: row.secret !== null,
    has_token: row.token !== null,
    webhook_path: CHANNELS[channel].ownWebhook ? `/v1/channels/${channel}/${row.id}` : null,
    account_id: row.account_id,
    start_param: row.start_param,
    trust_start_data: row.trust_start_data,
    created_at: row.created_at,
    disconnected_at: row.disconnected_at ?? null,
  };
}

export function requireChannel(input: string | number): Channel {
  const channel = parseChannel(input);
  if (channel === null) throw new DomainError('unknown_channel', `unknown channel "${input}"; use one of ${describeChannels()}`);
  return channel;
}

/** One messenger's account calls (src/channels/accounts.ts); each throws the API's DomainError. */
export interface MessengerAccount {
  /** checks the token and answers whose it is (Telegram getMe) */
  identify?(token: string): Promise<{ handle: string; name: string | null }>;
  /** points the messenger's webhook at `url`, signed with the bot's secret */
  register?(bot: { token: string; secret: string | null }, url: string): Promise<void>;
  /** stops the messenger's webhook; `webhookPath` is the bot's (MAX removes its subscriptions to it by URL) */
  unregister?(token: string, webhookPath: string): Promise<void>;
}

export type MessengerAccounts = Partial<Record<Channel, MessengerAccount>>;

export interface BotConnections {
  accounts: MessengerAccounts;
  /** OMNIMERGE_PUBLIC_URL: the server's address as the messengers reach it; null when unknown */
  publicUrl: string | null;
}

export interface ConnectBotInput {
  channel: string | number;
  handle?: string;
  name?: string;
  secret?: string;
  token?: string;
  verify_token?: string;
  confirmation_code?: string;
  account_id?: string;
  start_param?: StartParam;
  trust_start_data?: boolean;
}

/** What is left to do to receive the bot's webhooks; shown once, in the answer that connects it. */
export interface BotSetup {
  /** the public URL + webhook_path; null without OMNIMERGE_PUBLIC_URL or for channels without a webhook */
  callback_url: string | null;
  /** omnimerge registered the webhook with the messenger itself (Telegram, Viber) */
  webhook_registered: boolean;
  /** Meta (facebook, instagram, whatsapp): the Verify Token to paste beside the callback URL */
  verify_token: string | null;
  /** the account was connected before and disconnected: the same bot (id) is connected again */
  reconnected: boolean;
  next_step: string;
}

const randomSecret = () => randomBytes(32).toString('base64url');

/**
 * Connects a messenger account to the project in one step (docs/concepts.md, docs/messengers.md): with a Telegram token
 * the handle comes from getMe (a refused token is `invalid_bot_token`); with a public URL, Telegram's
 * setWebhook (with a secret_token made here) and Viber's set_webhook are called; Meta's verify token is
 * made and shown. When the messenger cannot be reached or refuses, nothing is kept. An account that was
 * disconnected is connected again as the same bot, with its contacts and history.
 */
export async function connectBot(store: Store, projectId: string, input: ConnectBotInput, connections: BotConnections): Promise<BotView & { setup: BotSetup }> {
  const channel = requireChannel(input.channel);
  const setup = WEBHOOK_SETUP[channel];
  const account = connections.accounts[channel];
  const token = input.token || null;
  const identified = token && account?.identify ? await account.identify(token) : null;
  const handle = chooseHandle(channel, input.handle, identified?.handle, Boolean(account?.identify));

  const willRegister = Boolean(setup?.registers && token && account?.register && connections.publicUrl && CHANNELS[channel].ownWebhook);
  const secret = input.secret || (willRegister && setup?.makesSecret ? randomSecret() : null);
  const allowed = setup?.secretPattern;
  if (willRegister && secret && allowed && !allowed.pattern.test(secret)) {
    throw new DomainError('invalid_request', `secret is ${allowed.rule}; leave it out to have one made`);
  }
  const fields: BotRow = {
    project_id: projectId,
    id: newId(),
    channel,
    handle,
    name: input.name?.trim() || identified?.name || null,
    secret,
    token,
    verify_token: input.verify_token || (setup?.makesVerifyToken ? randomSecret() : null),
    confirmation_code: input.confirmation_code || null,
    account_id: input.account_id?.trim() || null,
    start_param: input.start_param ?? 'external_id',
    trust_start_data: input.trust_start_data ?? false,
    created_at: new Date(),
    disconnected_at: null,
  };
  // the row comes first: Viber checks the URL with a signed callback before set_webhook answers
  const { row, reconnected } = await keepBot(store, fields);
  const view = botView(row);
  const callbackUrl = view.webhook_path && connections.publicUrl ? `${connections.publicUrl.replace(/\/+$/, '')}${view.webhook_path}` : null;
  if (willRegister && callbackUrl) {
    try {
      await account!.register!({ token: token!, secret }, callbackUrl);
    } catch (err) {
      await (reconnected ? markBotDisconnected(store.db, projectId, row.id) : deleteNewBot(store.db, projectId, row.id));
      throw err;
    }
  }
  const registered = willRegister && callbackUrl !== null;
  const verifyToken = setup?.makesVerifyToken ? row.verify_token : null;
  return {
    ...view,
    setup: {
      callback_url: callbackUrl,
      webhook_registered: registered,
      verify_token: verifyToken,
      reconnected,
      next_step: nextStep({ channel, webhookPath: view.webhook_path, callbackUrl, registered, hasToken: token !== null, hasSecret: secret !== null, verifyToken }),
    },
  };
}

/**
 * A disconnected bot of the same channel and handle is connected again (same id), so its clients'
 * messages go on in their contacts and conversations; otherwise the bot is new.
 */
async function keepBot(store: Store, fields: BotRow): Promise<{ row: BotRow; reconnected: boolean }> {
  const earlier = await selectDisconnectedBot(store.db, fields.project_id, fields.channel, fields.handle);
  const again = earlier && (await reconnectBot(store.db, { ...fields, id: earlier.id }));
  if (again) return { row: again, reconnected: true };
  await insertBot(store.db, fields);
  return { row: fields, reconnected: false };
}

/** The handle given, or the messenger's own; when both are known they must name the same account. */
function chooseHandle(channel: Channel, given: string | undefined, identified: string | undefined, canIdentify: boolean): string {
  const handle = given?.trim().replace(/^@/, '') ?? '';
  if (handle !== '' && identified !== undefined && handle.toLowerCase() !== identified.toLowerCase()) {
    throw new DomainError('bot_handle_mismatch', `the token belongs to @${identified}, not @${handle}; leave handle out to use @${identified}, or give that bot's token`);
  }
  const chosen = handle || identified || '';
  if (chosen === '') {
    const how = canIdentify ? " (or only the token: the handle is then read from the messenger)" : '';
    throw new DomainError('invalid_request', `handle is required for ${channel}: give the bot username, page name, number or chat URI${how}`);
  }
  return chosen;
}
