import { collectDefaultMetrics, Counter, Registry } from 'prom-client';

// What the process counts for GET /metrics (Prometheus text format, prom-client). The counters here are
// process-wide: use cases and the delivery worker bump them, always after the work has committed (see
// `afterCommit` in store/database.ts), so a rolled-back or retried transaction is never counted.
// Values the server reads at scrape time from its database (outbox backlog, pool use) live beside the
// route, in http/observability.ts, one registry per server.
//
// To add a metric of the whole process, declare it here with `registers: [processRegistry]`. A gauge
// whose value is only known when scraped takes a `collect()` that sets it (prom-client awaits it):
//   new Gauge({ name: 'omnimerge_x', help: '…', registers: [processRegistry], collect() { this.set(read()); } });
// Labels never carry project ids, contact ids or raw URLs: /metrics is readable without an API key.

export const processRegistry = new Registry();
collectDefaultMetrics({ register: processRegistry });

export type InboundOutcome = 'created' | 'known' | 'duplicate';

export const inboundResolutions = new Counter({
  name: 'omnimerge_inbound_resolutions_total',
  help: 'Inbound messages resolved to a contact, by outcome: created (a new contact), known (an existing identity), duplicate (a repeated delivery, nothing stored)',
  labelNames: ['outcome'] as const,
  registers: [processRegistry],
});

export const merges = new Counter({
  name: 'omnimerge_merges_total',
  help: 'Contacts merged, by reason: api, link, rule, suggestion (dry runs are not counted)',
  labelNames: ['reason'] as const,
  registers: [processRegistry],
});

export const linksCompleted = new Counter({
  name: 'omnimerge_links_completed_total',
  help: 'Merge links and codes completed (at once, or when an operator approved the suggestion), by target channel',
  labelNames: ['channel'] as const,
  registers: [processRegistry],
});

export type DeliveryResult = 'delivered' | 'failed' | 'dead';

export const deliveryAttempts = new Counter({
  name: 'omnimerge_webhook_delivery_attempts_total',
  help: 'Webhook delivery attempts by result: delivered, failed (to be retried), dead (retries given up)',
  labelNames: ['result'] as const,
  registers: [processRegistry],
});

/** The reason of a merge without the rule's or suggestion's id, so the label has four values. */
export function mergeReasonLabel(reason: string): string {
  return reason.split(':')[0];
}
