import type { Store } from '../store/database.js';
import { selectLastEventId, selectMessagesAfter } from '../store/live.js';
import { publishEvents, selectEventsAfter } from '../store/outbox.js';

// The live stream (GET /v1/events/stream, docs/events.md): the project's published events, and a
// `message.created` notice for every message stored (messages have no event of their own).

export interface LiveItem {
  /** the stream position after this item: `<event id>.<message id>`; a client resumes with it (Last-Event-ID) */
  cursor: string;
  type: string;
  data: unknown;
}

const BATCH = 200;
/** Messages are committed up to this long after their id was made: a window looked at again on every poll. */
const LATE_MS = 5_000;
const ZERO_ID = '00000000-0000-0000-0000-000000000000';

/** The smallest uuid v7 made at `ms`. */
function idAt(ms: number): string {
  const hex = Math.max(0, ms).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
}

const CURSOR = /^(\d{1,18})\.([0-9a-f-]{36})$/;

/** Where a stream starts: where the client left off (a valid Last-Event-ID), else now. */
export async function liveStart(store: Store, projectId: string, lastEventId: string | undefined): Promise<{ eventId: string; messageId: string }> {
  const resumed = lastEventId ? CURSOR.exec(lastEventId) : null;
  if (resumed) return { eventId: resumed[1], messageId: resumed[2] };
  return { eventId: await selectLastEventId(store.db, projectId), messageId: idAt(Date.now()) };
}

/** One stream's reader: each poll answers what is new since the previous one. */
export function liveReader(store: Store, projectId: string, start: { eventId: string; messageId: string }) {
  let eventId = start.eventId;
  let messageId = start.messageId;
  // messages seen inside the late window, so a message committed late is told once
  const told = new Set<string>();
  const cursor = () => `${eventId}.${messageId}`;

  return {
    cursor,
    async poll(): Promise<LiveItem[]> {
      const items: LiveItem[] = [];
      await publishEvents(store, { skipIfBusy: true });
      for (const event of await selectEventsAfter(store.db, projectId, eventId, BATCH)) {
        eventId = event.id;
        items.push({ cursor: cursor(), type: event.type, data: event });
      }
      const floor = [messageId, idAt(Date.now() - LATE_MS)].sort()[0] ?? ZERO_ID;
      for (const message of await selectMessagesAfter(store.db, projectId, floor, BATCH)) {
        if (told.has(message.id)) continue;
        told.add(message.id);
        if (message.id > messageId) messageId = message.id;
        items.push({ cursor: cursor(), type: 'message.created', data: message });
      }
      const oldest = idAt(Date.now() - 2 * LATE_MS);
      for (const id of told) if (id < oldest) told.delete(id);
      return items;
    },
  };
}
