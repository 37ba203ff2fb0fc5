import type { components } from '../../sdk/src/schema';
import { ApiError, call, type Channel } from './api';

// The admin pages' API calls (messengers, webhook endpoints, import, dedupe), typed from the SDK like api.ts.

type Schemas = components['schemas'];

export type ConnectedBot = Schemas['ConnectedBot'];
export type DisconnectedBot = Schemas['DisconnectedBot'];
export type WebhookEndpoint = Schemas['WebhookEndpoint'];
export type WebhookDelivery = Schemas['WebhookDelivery'];
export type DedupeResult = Schemas['DedupeResult'];
export type ImportedFile = Schemas['ImportedFile'];

export interface BotInput {
  channel: Channel;
  handle?: string;
  name?: string;
  token?: string;
  secret?: string;
  verify_token?: string;
  confirmation_code?: string;
  account_id?: string;
}

/** Leaves out the fields left empty: the API then makes or reads them itself (Telegram's handle from getMe). */
function filled<T extends object>(input: T): Partial<T> {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => typeof v !== 'string' || v.trim() !== '').map(([k, v]) => [k, typeof v === 'string' ? v.trim() : v])) as Partial<T>;
}

export const adminApi = {
  bots: () => call<{ items: Schemas['Bot'][] }>('GET', '/bots'),
  connectBot: (input: BotInput) => call<ConnectedBot>('POST', '/bots', filled(input)),
  disconnectBot: (id: string) => call<DisconnectedBot>('DELETE', `/bots/${id}`),

  endpoints: () => call<{ items: WebhookEndpoint[] }>('GET', '/webhook-endpoints'),
  createEndpoint: (url: string, events?: string[]) => call<WebhookEndpoint>('POST', '/webhook-endpoints', { url, ...(events && events.length > 0 ? { events } : {}) }),
  deleteEndpoint: (id: string) => call<null>('DELETE', `/webhook-endpoints/${id}`),
  deliveries: (endpointId: string, status?: string, cursor?: string) =>
    call<{ items: WebhookDelivery[]; next_cursor: string | null }>(
      'GET',
      `/webhook-endpoints/${endpointId}/deliveries?${new URLSearchParams({ limit: '50', ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) }).toString()}`,
    ),
  retryDelivery: (endpointId: string, deliveryId: string) => call<WebhookDelivery>('POST', `/webhook-endpoints/${endpointId}/deliveries/${deliveryId}/retry`),

  dedupe: (dryRun: boolean) => call<DedupeResult>('POST', '/dedupe', { dry_run: dryRun }),

  /** Uploads a contact file with progress (fetch cannot report an upload's progress; XMLHttpRequest can). */
  importFile: (file: File, onProgress: (sent: number, total: number) => void): Promise<ImportedFile> =>
    new Promise((resolve, reject) => {
      const format = /\.(jsonl|ndjson)$/i.test(file.name) ? 'application/x-ndjson' : 'text/csv';
      const request = new XMLHttpRequest();
      request.open('POST', `/v1/contacts/import?file_name=${encodeURIComponent(file.name)}`);
      request.setRequestHeader('content-type', format);
      request.withCredentials = true;
      // the server requires this header for changes made with the sign-in cookie (docs/ui.md)
      request.setRequestHeader('x-omnimerge-ui', '1');
      request.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
      request.onerror = () => reject(new ApiError(0, 'network', 'the server could not be reached; check that it is running'));
      request.onload = () => {
        let body: unknown = null;
        try {
          body = JSON.parse(request.responseText);
        } catch {
          // not JSON: said below in the status's words
        }
        if (request.status >= 200 && request.status < 300) return resolve(body as ImportedFile);
        const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
        reject(new ApiError(request.status, error?.code ?? 'http_error', error?.message ?? `the server answered ${request.status} ${request.statusText}`));
      };
      request.send(file);
    }),
};
