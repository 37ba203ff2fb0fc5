import { CHANNELS, describeChannels, parseChannel, type Channel } from '../domain/channels.js';
import { DomainError } from '../domain/errors.js';
import { newId } from '../ids.js';
import type { Store } from '../store/database.js';
import { insertBot, type BotRow } from '../store/bots.js';

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
  created_at: Date;
}

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
    created_at: row.created_at,
  };
}

export function requireChannel(input: string | number): Channel {
  const channel = parseChannel(input);
  if (channel === null) throw new DomainError('unknown_channel', `unknown channel "${input}"; use one of ${describeChannels()}`);
  return channel;
}

export interface ConnectBotInput {
  channel: string | number;
  handle: string;
  name?: string;
  secret?: string;
  token?: string;
  verify_token?: string;
  confirmation_code?: string;
  account_id?: string;
}

/** Connects a messenger account to the project (docs/concepts.md bot). */
export async function connectBot(store: Store, projectId: string, input: ConnectBotInput): Promise<BotView> {
  const channel = requireChannel(input.channel);
  const handle = input.handle.trim().replace(/^@/, '');
  if (handle === '') throw new DomainError('invalid_request', 'handle must not be empty: give the bot username, page name, number or chat URI');
  const row: BotRow = {
    project_id: projectId,
    id: newId(),
    channel,
    handle,
    name: input.name?.trim() || null,
    secret: input.secret || null,
    token: input.token || null,
    verify_token: input.verify_token || null,
    confirmation_code: input.confirmation_code || null,
    account_id: input.account_id?.trim() || null,
    created_at: new Date(),
  };
  await insertBot(store.db, row);
  return botView(row);
}
