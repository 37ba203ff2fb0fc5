import { DomainError } from '../domain/errors.js';
import type { Store } from '../store/database.js';
import { publishEvents, selectEventsAfter, type PublishedEvent } from '../store/outbox.js';

export interface ListEventsQuery {
  after?: string;
  limit?: number;
}

/**
 * Events by polling, for consumers without a public URL: the project's events after the given id, oldest
 * first. Events are published first (waiting for a publisher at work), so a poller sees every event
 * committed before its call, with or without a delivery worker.
 */
export async function listEvents(store: Store, projectId: string, query: ListEventsQuery): Promise<{ items: PublishedEvent[]; next_after: string }> {
  const after = query.after ?? '0';
  if (!/^\d{1,18}$/.test(after)) {
    throw new DomainError('invalid_cursor', `after must be an event id (digits), like the id of the last event you handled; got "${after}"`);
  }
  await publishEvents(store, { skipIfBusy: false });
  const items = await selectEventsAfter(store.db, projectId, after, query.limit ?? 100);
  return { items, next_after: items.length > 0 ? items[items.length - 1].id : after };
}
