import { createHmac, randomBytes } from 'node:crypto';

// How a webhook delivery proves where it came from (docs/events.md): an HMAC-SHA256, with the endpoint's
// secret, of "<timestamp>.<raw body>", so a receiver can refuse a replayed old delivery.

export const SIGNATURE_HEADER = 'x-omnimerge-signature';
export const TIMESTAMP_HEADER = 'x-omnimerge-timestamp';
export const EVENT_ID_HEADER = 'x-omnimerge-event-id';
export const DELIVERY_ID_HEADER = 'x-omnimerge-delivery-id';

export function signDelivery(secret: string, timestamp: number, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

/** A secret for an endpoint registered without one: 256 random bits. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}
