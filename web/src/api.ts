import type { components } from '../../sdk/src/schema';

// The UI's only way to the server: the public API under /v1 (docs/api.md). The browser signs in once
// (POST /v1/sessions) and then carries an HttpOnly cookie the page cannot read: no key is kept in the page.
// Every call sends the header X-Omnimerge-UI, which the server requires for changes made with the cookie.

export type SignedIn = components['schemas']['SignedIn'];
export type SignInCredentials = { email: string; password: string } | { api_key: string };

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
export type ContactListItem = Schemas['ContactListItem'];
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
export type PendingLink = Schemas['PendingMergeLink'];
type ApprovedSuggestion = Schemas['ApprovedSuggestion'];
export type Operator = Schemas['Operator'];
type ConversationAssignee = Schemas['ConversationAssignee'];
type UndoneMerge = Schemas['UndoneMerge'];
type UnmergedIdentity = Schemas['UnmergedIdentity'];

function query(params: Record<string, string | number | undefined>): string {
  const entries = Object.entries(params).filter((entry): entry is [string, string | number] => entry[1] !== undefined && entry[1] !== '');
  return entries.length === 0 ? '' : `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}`;
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`/v1${path}`, {
      method,
      credentials: 'same-origin',
      headers: {
        'x-omnimerge-ui': '1',
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

export type ContactSearch = {
  q?: string;
  phone?: string;
  email?: string;
  external_id?: string;
  channel?: string;
  tag?: string;
  window?: 'open';
  sort?: 'last_activity';
  cursor?: string;
  limit?: number;
};

export const api = {
  bots: () => call<{ items: Bot[] }>('GET', '/bots'),

  contacts: (search: ContactSearch) => call<Page<ContactListItem>>('GET', `/contacts${query(search)}`),
  contact: (id: string) => call<ContactCard>('GET', `/contacts/${id}`),
  updateContact: (id: string, change: Partial<Pick<Contact, 'name' | 'phone' | 'email' | 'external_id' | 'tags' | 'variables'>>) =>
    call<ContactCard>('PATCH', `/contacts/${id}`, change),
  conversations: (contactId: string) => call<Page<Conversation>>('GET', `/contacts/${contactId}/conversations?limit=200`),
  messages: (conversationId: string, options: { order?: 'asc' | 'desc'; limit?: number; cursor?: string } = {}) =>
    call<Page<Message>>('GET', `/conversations/${conversationId}/messages${query(options)}`),
  sendMessage: (conversationId: string, text: string) => call<Message>('POST', `/conversations/${conversationId}/messages`, { text }),
  retryMessage: (messageId: string) => call<Message>('POST', `/messages/${messageId}/retry`),
  /** makes the invite link and its message without sending it: the operator edits it, then sends or copies it */
  invite: (conversationId: string, channel: Channel) => call<InviteAnswer>('POST', `/conversations/${conversationId}/invite`, { channel, send: false }),

  pendingLinks: (contactId: string) => call<{ items: PendingLink[] }>('GET', `/contacts/${contactId}/links`),
  revokeLink: (contactId: string, linkId: string) => call<null>('DELETE', `/contacts/${contactId}/links/${linkId}`),

  notes: (contactId: string) => call<Page<Note>>('GET', `/contacts/${contactId}/notes?limit=200`),
  addNote: (contactId: string, text: string) => call<Note>('POST', `/contacts/${contactId}/notes`, { text }),

  merge: (fromId: string, toId: string, dryRun: boolean, fields: Record<string, 'from' | 'to'> = {}) =>
    call<MergeAnswer>('POST', '/contacts/merge', { from_contact_id: fromId, to_contact_id: toId, dry_run: dryRun, fields }),
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
  contactSuggestions: (contactId: string) => call<Page<Suggestion>>('GET', `/merge-suggestions${query({ status: 'pending', contact_id: contactId, limit: 50 })}`),
  // The server records the decision by the signed-in operator's name.
  approveSuggestion: (id: string, fields: Record<string, 'from' | 'to'> = {}) =>
    call<ApprovedSuggestion>('POST', `/merge-suggestions/${id}/approve`, { fields }),
  rejectSuggestion: (id: string) => call<Suggestion>('POST', `/merge-suggestions/${id}/reject`, {}),

  signIn: (credentials: SignInCredentials) => call<SignedIn>('POST', '/sessions', credentials),
  me: () => call<SignedIn>('GET', '/sessions/me'),
  signOut: () => call<null>('DELETE', '/sessions'),
  operators: () => call<{ items: Operator[] }>('GET', '/operators'),
  assign: (conversationId: string, operatorId: string | null) =>
    call<ConversationAssignee>('PUT', `/conversations/${conversationId}/assignee`, { operator_id: operatorId }),
  myConversations: () => call<Page<Conversation>>('GET', '/conversations?assignee=me&limit=200'),
};
