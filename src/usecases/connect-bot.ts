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
  /** where the messenger's webhook goes (SPEC §7); null for channels without an adapter */
  webhook_path: string | null;
  account_id: string | null;
  /** what a plain start parameter (not a merge token, not invite data) does */
  start_param: StartParam;
  /** whether fields from a start parameter or unsigned invite data may merge contacts automatically */
  trust_start_data: boolean;
  created_at: Date;
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
  start_param?: StartParam;
  trust_start_data?: boolean;
}

/** Connects a messenger account to the project (SPEC §1 bot). */
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
    start_param: input.start_param ?? 'external_id',
    trust_start_data: input.trust_start_data ?? false,
    created_at: new Date(),
  };
  await insertBot(store.db, row);
  return botView(row);
}
