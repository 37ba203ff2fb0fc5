import { DomainError } from '../domain/errors.js';
import type { Store } from '../store/database.js';
import { retryDelivery, type DeliveryRow } from '../store/webhooks.js';

/** Sends a delivery again as soon as a worker is free: a dead one after the endpoint is fixed, or any other. */
export async function retryWebhookDelivery(store: Store, projectId: string, endpointId: string, deliveryId: string): Promise<DeliveryRow> {
  const row = /^\d{1,18}$/.test(deliveryId) ? await retryDelivery(store.db, projectId, endpointId, deliveryId) : undefined;
  if (!row) throw new DomainError('webhook_delivery_not_found', `no delivery ${deliveryId} of webhook endpoint ${endpointId} in this project`);
  return row;
}
