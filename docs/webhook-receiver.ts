import { createHmac, timingSafeEqual } from 'node:crypto';

export interface OmnimergeEvent {
  id: string;
  type: string;
  created_at: string;
  project_id: string;
  contact_id: string | null;
  data: Record<string, unknown>;
}

/** The event of a genuine, fresh omnimerge delivery; null when it is forged, altered or replayed late. */
export function verifyOmnimergeWebhook(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  rawBody: string,
  toleranceSeconds = 300,
): OmnimergeEvent | null {
  const timestamp = Number(headers['x-omnimerge-timestamp']);
  if (!Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > toleranceSeconds) return null;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`);
  const given = Buffer.from(String(headers['x-omnimerge-signature'] ?? ''));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return JSON.parse(rawBody) as OmnimergeEvent;
}
