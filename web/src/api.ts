import type { components } from '../../sdk/src/schema';

// The UI's only way to the server: the public API under /v1 (docs/api.md) with the operator's API key.
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

// The API's types, generated from its OpenAPI document into the SDK (sdk/src/schema.d.ts): the UI reads
// exactly what the server answers.
type Schemas = components['schemas'];

export type Channel = Schemas['Bot']['channel'];
export type Page<T> = { items: T[]; next_cursor: string | null };
export type Bot = Schemas['Bot'];
export type Contact = Schemas['Contact'];
export type Identity = Schemas['Identity'];
export type ContactCard = Schemas['ContactCard'];
export type Conversation = Schemas['Conversation'];
export type Message = Schemas['Message'];
export type Attachment = Schemas['Attachment'];
export type Referral = Schemas['Referral'];
export type Note = Schemas['Note'];
export type Settings = Schemas['Settings'];
export type MergeCounts = Schemas['MergeCounts'];
export type MergeAnswer = Schemas['MergeAnswer'];
export type HistoryEntry = Schemas['HistoryEntry'];
export type InviteAnswer = Schemas['ConversationInvite'];
export type MergeRule = Schemas['MergeRule'];
export type LikelyDuplicate = Schemas['LikelyDuplicate'];
export type LikelyEvidence = Schemas['LikelyEvidence'];
export type Suggestion = Schemas['MergeSuggestion'];
type ApprovedSuggestion = Schemas['ApprovedSuggestion'];
type UndoneMerge = Schemas['UndoneMerge'];
type UnmergedIdentity = Schemas['UnmergedIdentity'];

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
  undoMerge: (mergeId: string) => call<UndoneMerge>('POST', `/merges/${mergeId}/undo`),
  unmerge: (contactId: string, identityId: string) => call<UnmergedIdentity>('POST', `/contacts/${contactId}/unmerge`, { identity_id: identityId }),

  likelyDuplicates: (id: string) => call<{ items: LikelyDuplicate[] }>('GET', `/contacts/${id}/duplicates`),
  settings: () => call<Settings>('GET', '/settings'),
  changeSettings: (change: Partial<Settings>) => call<Settings>('PUT', '/settings', change),
  rules: () => call<{ items: MergeRule[] }>('GET', '/merge-rules'),
  addRule: (fields: string[]) => call<MergeRule>('POST', '/merge-rules', { fields }),
  deleteRule: (id: string) => call<unknown>('DELETE', `/merge-rules/${id}`),

  suggestions: (status?: string) => call<Page<Suggestion>>('GET', `/merge-suggestions${query({ status, limit: 200 })}`),
  // The decision is recorded as the web UI's (the API has no operator accounts).
  approveSuggestion: (id: string) =>
    call<ApprovedSuggestion>('POST', `/merge-suggestions/${id}/approve`, { actor: 'web UI' }),
  rejectSuggestion: (id: string) => call<Suggestion>('POST', `/merge-suggestions/${id}/reject`, { actor: 'web UI' }),
};
