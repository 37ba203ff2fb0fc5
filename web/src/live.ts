import { useEffect, useRef, useState } from 'react';

// Live updates (docs/ui.md): one server-sent event stream per tab (GET /v1/events/stream), shared by every
// screen. The browser reconnects by itself after a dropped connection, resuming with Last-Event-ID; when
// the server refuses (e.g. while it restarts), a new stream is opened a few seconds later from the last
// position seen.

export interface LiveEvent {
  type: string;
  /** message.created: {id, conversation_id, contact_id, direction}; other types: the event as GET /v1/events answers it */
  data: { contact_id?: string | null; conversation_id?: string; data?: Record<string, unknown> } & Record<string, unknown>;
}

export type LiveState = 'connecting' | 'live' | 'reconnecting';

const TYPES = [
  'message.created',
  'message.sent',
  'message.failed',
  'contact.created',
  'contact.updated',
  'contact.merged',
  'contact.unmerged',
  'contact.erased',
  'identity.linked',
  'merge.suggested',
  'merge.rejected',
];

const listeners = new Set<(event: LiveEvent) => void>();
const stateListeners = new Set<(state: LiveState) => void>();
let source: EventSource | null = null;
let lastId: string | null = null;
let state: LiveState = 'connecting';
let retry: ReturnType<typeof setTimeout> | null = null;

function setState(next: LiveState) {
  state = next;
  for (const listener of stateListeners) listener(next);
}

function open() {
  const url = lastId ? `/v1/events/stream?last_event_id=${encodeURIComponent(lastId)}` : '/v1/events/stream';
  const stream = new EventSource(url);
  source = stream;
  stream.onopen = () => setState('live');
  stream.onerror = () => {
    if (stream.readyState === EventSource.CLOSED) {
      // refused, not just dropped: the browser gives up, so open a new one later
      source = null;
      setState('reconnecting');
      retry = setTimeout(() => {
        retry = null;
        if (listeners.size > 0) open();
      }, 3000);
    } else {
      setState('reconnecting');
    }
  };
  for (const type of TYPES) {
    stream.addEventListener(type, (message) => {
      const event = message as MessageEvent<string>;
      if (event.lastEventId) lastId = event.lastEventId;
      let data: LiveEvent['data'];
      try {
        data = JSON.parse(event.data) as LiveEvent['data'];
      } catch {
        return;
      }
      for (const listener of listeners) listener({ type, data });
    });
  }
}

/** The tab's stream opens with the first screen that listens and closes when signed out. */
function subscribe(listener: (event: LiveEvent) => void): () => void {
  listeners.add(listener);
  if (!source && !retry) open();
  return () => listeners.delete(listener);
}

export function closeLive(): void {
  source?.close();
  source = null;
  if (retry) clearTimeout(retry);
  retry = null;
  lastId = null;
  setState('connecting');
}

/** Calls `handle` for every live event while the screen is shown. */
export function useLive(handle: (event: LiveEvent) => void): void {
  const current = useRef(handle);
  current.current = handle;
  useEffect(() => subscribe((event) => current.current(event)), []);
}

/** Whether the tab's stream is up, for the header. */
export function useLiveState(): LiveState {
  const [value, setValue] = useState(state);
  useEffect(() => {
    stateListeners.add(setValue);
    setValue(state);
    return () => {
      stateListeners.delete(setValue);
    };
  }, []);
  return value;
}

/** Whether the event concerns this contact (by its id, or either side of a merge). */
export function aboutContact(event: LiveEvent, contactId: string): boolean {
  const inner = event.data.data ?? {};
  return event.data.contact_id === contactId || inner.from_contact_id === contactId || inner.to_contact_id === contactId || inner.contact_id === contactId;
}
