import { DomainError } from '../domain/errors.js';
import type { Store } from '../store/database.js';
import type { DeliveryStatus } from '../store/schema.js';
import { selectDeliveries, type DeliveryRow } from '../store/webhooks.js';
import { requireEndpoint } from './create-webhook-endpoint.js';
import type { Page } from './views/page.js';

export interface ListDeliveriesQuery {
  status?: DeliveryStatus;
  cursor?: string;
  limit?: number;
}

/** The attempts log of an endpoint, newest first: what was sent, how often, how it went. */
export async function listWebhookDeliveries(store: Store, projectId: string, endpointId: string, query: ListDeliveriesQuery): Promise<Page<DeliveryRow>> {
  await requireEndpoint(store, projectId, endpointId);
  const limit = query.limit ?? 50;
  const rows = await selectDeliveries(store.db, projectId, endpointId, { before: decodeDeliveryCursor(query.cursor), status: query.status, limit: limit + 1 });
  const items = rows.slice(0, limit);
  return { items, next_cursor: rows.length > limit ? Buffer.from(items[items.length - 1].id).toString('base64url') : null };
}

function decodeDeliveryCursor(cursor: string | undefined): string | null {
  if (cursor === undefined || cursor === '') return null;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^\d{1,18}$/.test(id)) throw new DomainError('invalid_cursor', 'cursor is not one this API gave out; pass next_cursor from the previous page as it is');
  return id;
}
