import type { Store } from '../store/database.js';
import { selectEndpoints } from '../store/webhooks.js';
import { endpointView, type WebhookEndpointView } from './create-webhook-endpoint.js';

export async function listWebhookEndpoints(store: Store, projectId: string): Promise<{ items: WebhookEndpointView[] }> {
  return { items: (await selectEndpoints(store.db, projectId)).map(endpointView) };
}
