import { CHANNEL_NAMES } from '../domain/channels.js';
import { DomainError } from '../domain/errors.js';

// The events omnimerge emits (docs/events.md: events and webhooks, switch_to_<channel> from merge links, message.outbound from sends; message.sent and
// message.failed when the sending worker is done with an outgoing message).

export const EVENT_TYPES: readonly string[] = [
  'contact.created',
  'contact.updated',
  'contact.merged',
  'contact.unmerged',
  'contact.erased',
  'identity.linked',
  'merge.suggested',
  'merge.rejected',
  'message.outbound',
  'message.sent',
  'message.failed',
  ...CHANNEL_NAMES.map((channel) => `switch_to_${channel}`),
];

/** `*` subscribes an endpoint to every event, including ones added later. */
export const ALL_EVENTS = '*';

/** The subscription of an endpoint: the names given (deduplicated), or every event when none are. */
export function parseEventFilter(events: string[] | undefined): string[] {
  if (events === undefined || events.length === 0) return [ALL_EVENTS];
  const unknown = events.filter((e) => e !== ALL_EVENTS && !EVENT_TYPES.includes(e));
  if (unknown.length > 0) {
    throw new DomainError(
      'unknown_event_type',
      `unknown event ${unknown.map((e) => `"${e}"`).join(', ')}; use "*" or any of ${EVENT_TYPES.join(', ')}`,
    );
  }
  return [...new Set(events)];
}
