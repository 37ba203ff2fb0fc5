// The UI's only way to the server: the public API under /v1 (SPEC §8) with the operator's API key.
// The key lives in sessionStorage (gone when the tab closes) and never in a URL.

const KEY = 'omnimerge.api_key';

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY),
  signIn: (apiKey: string) => sessionStorage.setItem(KEY, apiKey),
  signOut: () => sessionStorage.removeItem(KEY),
};

/** An API answer that is not a success, carrying the server's own words (`error.message`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type Channel = 'telegram' | 'viber' | 'facebook' | 'whatsapp' | 'instagram' | 'vk' | 'odnoklassniki' | 'line' | 'webchat' | 'email' | 'sms';

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface Bot {
  id: string;
  channel: Channel;
  handle: string;
  name: string | null;
}

export interface Contact {
  id: string;
  state: 'active' | 'merged';
  merged_into: string | null;
  name: string | null;
  phone: string | null;
  email: string | null;
  external_id: string | null;
  variables: Record<string, unknown>;
  preferences?: Record<string, unknown>;
  tags: string[];
  alternates?: { phones: string[]; emails: string[] };
  created_at: string;
  updated_at: string;
}

export interface Identity {
  id: string;
  channel: Channel;
  bot_id: string;
  bot_handle: string;
  external_user_id: string;
  name: string | null;
  username: string | null;
  last_inbound_at: string | null;
  window_open: boolean;
  window_closes_at: string | null;
  /** false: the messenger said the client cannot be written to (blocked the bot…) and they have not written since */
  reachable?: boolean;
  unreachable_reason?: string | null;
}

export interface ContactCard extends Contact {
  identities: Identity[];
  conversations_count: number;
  recommended_channel: Channel | null;
}

export interface Conversation {
  id: string;
  contact_id: string;
  bot_id: string;
  channel: Channel;
  created_at: string;
  last_message_at: string | null;
  messages_count: number;
  /** the latest ad or campaign referral in this conversation */
  referral?: Referral | null;
}

/** An ad or campaign the client came from (source, ad_id, ref, headline…): a fact, not an identity. */
export type Referral = Record<string, string>;

export interface Attachment {
  id: string;
  type: string;
  url: string | null;
  file_id: string | null;
  mime_type: string | null;
  size: number | null;
  name: string | null;
}

export interface Message {
  id: string;
  conversation_id: string;
  identity_id: string | null;
  direction: 'in' | 'out';
  text: string | null;
  delivery_state: string | null;
  delivery_error?: string | null;
  referral?: Referral | null;
  attachments?: Attachment[];
  created_at: string;
}

export interface Note {
  id: string;
  text: string;
  created_at: string;
}

export interface Settings {
  merge_mode: 'auto' | 'manual';
  default_region: string | null;
  link_ttl_s: number;
  blocked_values: string[];
  max_shared: number;
}

export type MergeCounts = Record<string, number>;

export interface MergeAnswer {
  merge_id: string | null;
  contact: ContactCard;
  moved: MergeCounts;
}

export interface HistoryEntry {
  id: string;
  kind: string;
  contact_id: string;
  other_contact_id: string | null;
  data: Record<string, unknown>;
  created_at: string;
}

export interface InviteAnswer {
  url: string;
  code?: string | null;
  message: Message | string;
}

export interface MergeRule {
  id: string;
  fields: string[];
  created_at?: string;
}

export interface Suggestion {
  id: string;
  /** what found the pair */
  kind: 'link' | 'rule';
  status: 'pending' | 'approved' | 'rejected';
  from_contact_id: string;
  to_contact_id: string;
  /** `link` or `rule:<id>`, as the merge is recorded */
  reason: string;
  /** the rule with the values that matched, or the link and the identity that used it */
  evidence: Record<string, unknown>;
  merge_id: string | null;
  decided_by: string | null;
  decided_at: string | null;
  created_at: string;
}

function query(params: Record<string, string | number | undefined>): string {
  const entries = Object.entries(params).filter((entry): entry is [string, string | number] => entry[1] !== undefined && entry[1] !== '');
  return entries.length === 0 ? '' : `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}`;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const key = session.key();
  let response: Response;
  try {
    response = await fetch(`/v1${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(0, 'network', `the server could not be reached (${(err as Error).message}); check that it is running`);
  }
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // not JSON: said below in the status's words
  }
  if (!response.ok) {
    const error = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(response.status, error?.code ?? 'http_error', error?.message ?? `the server answered ${response.status} ${response.statusText}`);
  }
  return parsed as T;
}

export type ContactSearch = { q?: string; phone?: string; email?: string; external_id?: string; cursor?: string; limit?: number };

export const api = {
  bots: () => call<{ items: Bot[] }>('GET', '/bots'),

  contacts: (search: ContactSearch) => call<Page<Contact>>('GET', `/contacts${query(search)}`),
  contact: (id: string) => call<ContactCard>('GET', `/contacts/${id}`),
  updateContact: (id: string, change: Partial<Pick<Contact, 'name' | 'phone' | 'email' | 'external_id' | 'tags'>>) =>
    call<ContactCard>('PATCH', `/contacts/${id}`, change),
  conversations: (contactId: string) => call<Page<Conversation>>('GET', `/contacts/${contactId}/conversations?limit=200`),
  messages: (conversationId: string, options: { order?: 'asc' | 'desc'; limit?: number; cursor?: string } = {}) =>
    call<Page<Message>>('GET', `/conversations/${conversationId}/messages${query(options)}`),
  sendMessage: (conversationId: string, text: string) => call<Message>('POST', `/conversations/${conversationId}/messages`, { text }),
  retryMessage: (messageId: string) => call<Message>('POST', `/messages/${messageId}/retry`),
  invite: (conversationId: string, channel: Channel) => call<InviteAnswer>('POST', `/conversations/${conversationId}/invite`, { channel }),

  notes: (contactId: string) => call<Page<Note>>('GET', `/contacts/${contactId}/notes?limit=200`),
  addNote: (contactId: string, text: string) => call<Note>('POST', `/contacts/${contactId}/notes`, { text }),

  merge: (fromId: string, toId: string, dryRun: boolean) =>
    call<MergeAnswer>('POST', '/contacts/merge', { from_contact_id: fromId, to_contact_id: toId, dry_run: dryRun }),
  history: (contactId: string) => call<Page<HistoryEntry>>('GET', `/contacts/${contactId}/history?limit=200`),
  undoMerge: (mergeId: string) => call<{ merge_id: string; contacts: ContactCard[] }>('POST', `/merges/${mergeId}/undo`),
  unmerge: (contactId: string, identityId: string) => call<{ contact_id: string }>('POST', `/contacts/${contactId}/unmerge`, { identity_id: identityId }),

  settings: () => call<Settings>('GET', '/settings'),
  changeSettings: (change: Partial<Settings>) => call<Settings>('PUT', '/settings', change),
  rules: () => call<{ items: MergeRule[] }>('GET', '/merge-rules'),
  addRule: (fields: string[]) => call<MergeRule>('POST', '/merge-rules', { fields }),
  deleteRule: (id: string) => call<unknown>('DELETE', `/merge-rules/${id}`),

  suggestions: (status?: string) => call<Page<Suggestion>>('GET', `/merge-suggestions${query({ status, limit: 200 })}`),
  // The decision is recorded as the web UI's (the API has no operator accounts).
  approveSuggestion: (id: string) =>
    call<{ suggestion: Suggestion; merge: MergeAnswer | null }>('POST', `/merge-suggestions/${id}/approve`, { actor: 'web UI' }),
  rejectSuggestion: (id: string) => call<Suggestion>('POST', `/merge-suggestions/${id}/reject`, { actor: 'web UI' }),
};
