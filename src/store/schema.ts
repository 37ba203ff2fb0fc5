import type { ColumnType, Generated } from 'kysely';

// The database as Kysely sees it. Every table keys on project_id first (README.md: Citus-ready).

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;
type JsonWithDefault<T> = ColumnType<T, string | undefined, string>;
type WithDefault<T> = ColumnType<T, T | undefined, T>;

export interface ProjectsTable {
  project_id: string;
  name: string;
  merge_mode: WithDefault<'auto' | 'manual'>;
  default_region: string | null;
  link_ttl_s: WithDefault<number>;
  blocked_values: JsonWithDefault<string[]>;
  max_shared: WithDefault<number>;
  /** likely duplicates scoring below this are not shown or suggested (migration 014) */
  likely_threshold: WithDefault<number>;
  created_at: Timestamp;
  /** keys the MAC of invite links made by the API; made on first use (migration 009) */
  invite_secret: WithDefault<string | null>;
}

export interface ApiKeysTable {
  project_id: string;
  id: string;
  key_hash: string;
  label: string | null;
  created_at: Timestamp;
}

export interface BotsTable {
  project_id: string;
  id: string;
  channel: string;
  handle: string;
  name: string | null;
  secret: string | null;
  token: string | null;
  verify_token: WithDefault<string | null>;
  confirmation_code: WithDefault<string | null>;
  account_id: WithDefault<string | null>;
  /** what a plain start parameter does (migration 009) */
  start_param: WithDefault<'external_id' | 'ignore'>;
  /** whether start-parameter and unsigned invite fields may merge automatically (migration 009) */
  trust_start_data: WithDefault<boolean>;
  created_at: Timestamp;
  /** set by DELETE /v1/bots/{id}: the bot's webhooks answer as for an unknown bot, nothing is sent */
  disconnected_at: WithDefault<Date | null>;
}

export interface ContactsTable {
  project_id: string;
  id: string;
  state: WithDefault<'active' | 'merged'>;
  merged_into: WithDefault<string | null>;
  name: string | null;
  phone: string | null;
  email: string | null;
  external_id: string | null;
  variables: JsonWithDefault<Record<string, unknown>>;
  preferences: JsonWithDefault<Record<string, unknown>>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ContactTagsTable {
  project_id: string;
  contact_id: string;
  tag: string;
  created_at: Timestamp;
}

export interface IdentitiesTable {
  project_id: string;
  id: string;
  contact_id: string;
  bot_id: string;
  external_user_id: string;
  name: string | null;
  username: string | null;
  phone: string | null;
  email: string | null;
  last_inbound_at: Date | null;
  subscribed: WithDefault<boolean | null>;
  /** the messenger refused a message because the client cannot be written to (migration 011) */
  unreachable_at: WithDefault<Date | null>;
  unreachable_reason: WithDefault<string | null>;
  created_at: Timestamp;
}

export interface ConversationsTable {
  project_id: string;
  id: string;
  contact_id: string;
  bot_id: string;
  channel: string;
  created_at: Timestamp;
  last_message_at: Date | null;
  /** the operator the conversation is assigned to (migration 016) */
  assignee_id: WithDefault<string | null>;
}

export interface MessagesTable {
  project_id: string;
  id: string;
  conversation_id: string;
  identity_id: string | null;
  direction: 'in' | 'out';
  text: string | null;
  payload: string | null;
  external_message_id: string | null;
  delivery_state: string | null;
  delivery_error: WithDefault<string | null>;
  /** an ad or campaign referral that came with the message (migration 009) */
  referral: JsonWithDefault<Record<string, string> | null>;
  /** the sending worker's bookkeeping for outgoing messages (migration 011) */
  send_attempts: WithDefault<number>;
  send_next_at: WithDefault<Date | null>;
  send_leased_until: WithDefault<Date | null>;
  send_give_up_at: WithDefault<Date | null>;
  sent_at: WithDefault<Date | null>;
  created_at: Timestamp;
}

export interface OutboxTable {
  project_id: string;
  id: Generated<string>;
  type: string;
  contact_id: string | null;
  data: Json<Record<string, unknown>>;
  created_at: Timestamp;
  /** the public event id, given when the event is published (migration 004) */
  event_id: ColumnType<string | null, never, string>;
}

export interface EventPublisherTable {
  singleton: boolean;
  last_event_id: ColumnType<string, never, string>;
}

export interface WebhookEndpointsTable {
  project_id: string;
  id: string;
  url: string;
  events: Json<string[]>;
  secret: string;
  created_at: Timestamp;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

export interface WebhookDeliveriesTable {
  project_id: string;
  id: Generated<string>;
  endpoint_id: string;
  event_id: string;
  contact_id: string | null;
  status: WithDefault<DeliveryStatus>;
  attempts: WithDefault<number>;
  next_attempt_at: Timestamp;
  leased_until: Date | null;
  last_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  /** the last ATTEMPT_LOG_SIZE attempts, oldest first */
  attempt_log: JsonWithDefault<AttemptLogEntry[]>;
  delivered_at: Date | null;
  created_at: Timestamp;
}

export interface AttemptLogEntry {
  at: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

export interface MergesTable {
  project_id: string;
  id: string;
  from_contact_id: string;
  to_contact_id: string;
  reason: string;
  actor: string;
  state: WithDefault<'done' | 'undone'>;
  plan: Json<Record<string, unknown>>;
  moved: Json<Record<string, number>>;
  created_at: Timestamp;
  undone_at: Date | null;
}

/** What one merge moved of one kind from one old parent: the journal an undo reads (docs/concepts.md "merge"). */
export interface MergeMovesTable {
  project_id: string;
  merge_id: string;
  kind: string;
  old_parent: string;
  new_parent: string;
  ids: string[];
  /** rows the merge deleted, kept whole so an undo can put them back */
  rows: Json<Record<string, unknown>[] | null>;
}

export interface ContactHistoryTable {
  project_id: string;
  id: string;
  kind: string;
  contact_id: string;
  other_contact_id: string | null;
  data: Json<Record<string, unknown>>;
  created_at: Timestamp;
}

export interface ContactAlternatesTable {
  project_id: string;
  contact_id: string;
  kind: 'phone' | 'email';
  value: string;
  merge_id: string | null;
  created_at: Timestamp;
}

export interface ContactNotesTable {
  project_id: string;
  id: string;
  contact_id: string;
  text: string;
  /** who wrote it: an operator's name or an API key's label (migration 016) */
  author: WithDefault<string | null>;
  created_at: Timestamp;
}

export interface ContactEventsTable {
  project_id: string;
  id: string;
  contact_id: string;
  type: string;
  data: JsonWithDefault<Record<string, unknown>>;
  created_at: Timestamp;
}

export interface ConversationEventsTable {
  project_id: string;
  id: string;
  conversation_id: string;
  type: string;
  data: JsonWithDefault<Record<string, unknown>>;
  created_at: Timestamp;
}

export interface ContactReferencesTable {
  project_id: string;
  id: string;
  contact_id: string;
  kind: string;
  ref: string;
  data: JsonWithDefault<Record<string, unknown>>;
  message_id: string | null;
  created_at: Timestamp;
}

export interface MessageAttachmentsTable {
  project_id: string;
  id: string;
  message_id: string;
  type: string;
  url: string | null;
  name: string | null;
  file_id: WithDefault<string | null>;
  mime_type: WithDefault<string | null>;
  size: WithDefault<number | null>;
  created_at: Timestamp;
}

export interface MergeSuggestionsTable {
  project_id: string;
  id: string;
  kind: 'link' | 'rule' | 'likely';
  from_contact_id: string;
  to_contact_id: string;
  pair_low: string;
  pair_high: string;
  reason: string;
  evidence: Json<Record<string, unknown>>;
  status: WithDefault<'pending' | 'approved' | 'rejected'>;
  merge_id: string | null;
  decided_by: string | null;
  decided_at: Date | null;
  created_at: Timestamp;
}

/** docs/links.md: a merge link or code; only hashes of its secrets are kept. */
export interface MergeLinksTable {
  project_id: string;
  id: string;
  contact_id: string;
  bot_id: string;
  channel: string;
  tag: string | null;
  token_hash: string | null;
  code_hash: string | null;
  expires_at: Timestamp;
  replaced_at: WithDefault<Date | null>;
  used_by_identity_id: WithDefault<string | null>;
  used_at: WithDefault<Date | null>;
  suggestion_id: WithDefault<string | null>;
  completed_at: WithDefault<Date | null>;
  created_at: Timestamp;
}

/** docs/links.md: a "choose your messenger" page; `opened` names the merge link each channel's button made. */
export interface LandingLinksTable {
  project_id: string;
  id: string;
  contact_id: string;
  token_hash: string;
  tag: string | null;
  channels: ColumnType<string[] | null, string | null, string | null>;
  bot_id: string | null;
  opened: JsonWithDefault<Record<string, { link_id: string; n: number }>>;
  expires_at: Timestamp;
  created_at: Timestamp;
}

/** A wrong, expired or replaced code sent by an identity: counted for the rate limit. */
export interface MergeCodeFailuresTable {
  project_id: string;
  identity_id: string;
  id: string;
  failed_at: Timestamp;
}

/** docs/rules.md: a merge rule, a list of fields that must all be equal. */
export interface MergeRulesTable {
  project_id: string;
  id: string;
  fields: string[];
  created_at: Timestamp;
}

/** An imported file: its contacts' ids come from started_at and their line, so a re-run skips rows already written. */
export interface ContactImportsTable {
  project_id: string;
  file_sha256: string;
  file_name: string;
  started_at: Timestamp;
  finished_at: Date | null;
  runs: WithDefault<number>;
}

/** The audit entry of an erasure: ids and counts only, no personal data. */
export interface ContactErasuresTable {
  project_id: string;
  id: string;
  contact_id: string;
  erased_contact_ids: Json<string[]>;
  erased: Json<Record<string, number>>;
  actor: string;
  created_at: Timestamp;
}

/** a named person who signs in to the web UI (migration 016) */
export interface OperatorsTable {
  project_id: string;
  id: string;
  email: string;
  name: string;
  password_hash: string;
  created_at: Timestamp;
  disabled_at: WithDefault<Date | null>;
}

/** a signed-in browser: the SHA-256 of its cookie's token, for an operator or an API key (migration 016) */
export interface SessionsTable {
  project_id: string;
  token_hash: string;
  operator_id: string | null;
  api_key_id: string | null;
  created_at: Timestamp;
  expires_at: Date;
}

export interface Database {
  operators: OperatorsTable;
  sessions: SessionsTable;
  contact_imports: ContactImportsTable;
  contact_erasures: ContactErasuresTable;
  merge_rules: MergeRulesTable;
  merge_links: MergeLinksTable;
  landing_links: LandingLinksTable;
  merge_code_failures: MergeCodeFailuresTable;
  merge_suggestions: MergeSuggestionsTable;
  projects: ProjectsTable;
  api_keys: ApiKeysTable;
  bots: BotsTable;
  contacts: ContactsTable;
  contact_tags: ContactTagsTable;
  identities: IdentitiesTable;
  conversations: ConversationsTable;
  messages: MessagesTable;
  outbox: OutboxTable;
  merges: MergesTable;
  merge_moves: MergeMovesTable;
  contact_history: ContactHistoryTable;
  contact_alternates: ContactAlternatesTable;
  contact_notes: ContactNotesTable;
  contact_events: ContactEventsTable;
  conversation_events: ConversationEventsTable;
  contact_references: ContactReferencesTable;
  message_attachments: MessageAttachmentsTable;
  event_publisher: EventPublisherTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
}
