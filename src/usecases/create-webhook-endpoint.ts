import { DomainError } from '../domain/errors.js';
import { refusedHostReason } from '../domain/webhook-address.js';
import { parseEventFilter } from '../events/types.js';
import { newWebhookSecret } from '../events/signature.js';
import { newId } from '../ids.js';
import type { Store } from '../store/database.js';
import { insertEndpoint, selectEndpoints, type EndpointRow } from '../store/webhooks.js';

export interface WebhookEndpointView {
  id: string;
  url: string;
  events: string[];
  created_at: Date;
  /** only in the answer that creates the endpoint */
  secret?: string;
}

export function endpointView(row: EndpointRow): WebhookEndpointView {
  return { id: row.id, url: row.url, events: row.events, created_at: row.created_at };
}

export async function requireEndpoint(store: Store, projectId: string, endpointId: string): Promise<EndpointRow> {
  const [row] = await selectEndpoints(store.db, projectId, endpointId);
  if (!row) throw new DomainError('webhook_endpoint_not_found', `no webhook endpoint ${endpointId} in this project`);
  return row;
}

export interface CreateWebhookEndpointInput {
  url: string;
  events?: string[];
  secret?: string;
}

/**
 * Subscribes a URL to events (docs/api.md); the secret that signs its deliveries is shown this once. A URL
 * pointing into the server's own network is refused unless the operator allows private receivers.
 */
export async function createWebhookEndpoint(
  store: Store,
  projectId: string,
  input: CreateWebhookEndpointInput,
  { allowPrivate }: { allowPrivate: boolean },
): Promise<WebhookEndpointView> {
  const row: EndpointRow = {
    project_id: projectId,
    id: newId(),
    url: requireWebhookUrl(input.url, allowPrivate),
    events: parseEventFilter(input.events),
    secret: input.secret ?? newWebhookSecret(),
    created_at: new Date(),
  };
  await insertEndpoint(store.db, row);
  return { ...endpointView(row), secret: row.secret };
}

function requireWebhookUrl(text: string, allowPrivate: boolean): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new DomainError('invalid_webhook_url', `url "${text}" is not an absolute URL; give one like https://crm.example.com/omnimerge`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DomainError('invalid_webhook_url', `url must be http or https, not ${url.protocol.replace(/:$/, '')}`);
  }
  const refused = allowPrivate ? null : refusedHostReason(url);
  if (refused !== null) {
    throw new DomainError(
      'invalid_webhook_url',
      `url ${url.host} is refused: ${refused}; webhooks go to public addresses only (an operator can allow private ones with OMNIMERGE_WEBHOOK_ALLOW_PRIVATE=true)`,
    );
  }
  return url.toString();
}
