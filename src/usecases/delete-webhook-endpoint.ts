import { DomainError } from '../domain/errors.js';
import type { Store } from '../store/database.js';
import { deleteEndpoint } from '../store/webhooks.js';

/** Stops deliveries to the endpoint at once; its delivery log goes with it. */
export async function deleteWebhookEndpoint(store: Store, projectId: string, endpointId: string): Promise<void> {
  if (!(await deleteEndpoint(store.db, projectId, endpointId))) {
    throw new DomainError('webhook_endpoint_not_found', `no webhook endpoint ${endpointId} in this project`);
  }
}
