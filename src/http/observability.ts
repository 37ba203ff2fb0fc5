import { Type } from '@sinclair/typebox';
import { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { processRegistry } from '../metrics.js';
import type { Store } from '../store/database.js';
import { selectOutboxBacklog, type OutboxBacklog } from '../store/outbox.js';

// Operability: one log line per request, and GET /metrics in the Prometheus text format.
//
// Each request is logged once it is answered, at info: method, route pattern, status and milliseconds
// (`GET /v1/contacts/:id 200 3.1 ms`). Probes and scrapes (PROBE_ROUTES) log at debug, as does the
// arrival of every request. Failures are logged once, by the error handler, with their stack.
//
// GET /metrics needs no API key: it holds process-wide figures only, never a project's or a contact's
// id, nor a raw URL (requests are counted by route pattern). OMNIMERGE_METRICS=off removes the route.

/** Routes that a load balancer or Prometheus calls every few seconds: their lines are debug, not info. */
const PROBE_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

export interface ObservabilityOptions {
  store: Store;
  /** serve GET /metrics (config OMNIMERGE_METRICS, default on) */
  metrics: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any server, logger and type provider
type AnyServer = FastifyInstance<any, any, any, any, any>;

export function observeRequests(app: AnyServer, { store, metrics }: ObservabilityOptions): void {
  // this server's own figures, read from its database when scraped; the process-wide counters are in ../metrics.ts
  const registry = new Registry();
  const requests = new Histogram({
    name: 'omnimerge_http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status, with their latency (its _count is the number of requests)',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [registry],
  });
  databaseGauges(registry, store, app);

  app.addHook('onResponse', async (request, reply) => {
    requests.observe({ method: request.method, route: routeOf(request), status_code: reply.statusCode }, reply.elapsedTime / 1000);
  });

  if (!metrics) return;
  app.get(
    '/metrics',
    {
      schema: {
        operationId: 'getMetrics',
        tags: ['health'],
        summary: 'Metrics in the Prometheus text format',
        description:
          'HTTP requests by route and status with latency histograms, inbound resolutions, merges by reason, links completed, ' +
          'the outbox backlog and the age of its oldest event, webhook delivery attempts by result, database pool use, and the ' +
          'Node.js process. No API key: the figures are process-wide and name no project or contact. `OMNIMERGE_METRICS=off` removes this route.',
        security: [],
        response: { 200: { description: 'the metrics', content: { 'text/plain': { schema: Type.String() } } } },
      },
    },
    async (_request, reply) => {
      const text = (await processRegistry.metrics()) + (await registry.metrics());
      return reply.type(registry.contentType).send(text);
    },
  );
}

/** Fastify's own request log lines, reshaped: one line per answered request, the arrival at debug. */
export class RequestLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ method: request.method, url: request.url }, 'incoming request');
  }

  // A failure's stack was logged by the error handler already: its answer is one more line, without it.
  override requestCompleted(_error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const route = routeOf(request);
    const ms = Math.round(reply.elapsedTime * 10) / 10;
    const line = { method: request.method, route, status: reply.statusCode, ms };
    const message = `${request.method} ${route} ${reply.statusCode} ${ms} ms`;
    if (PROBE_ROUTES.has(route)) request.log.debug(line, message);
    else request.log.info(line, message);
  }

  // the completed line says it: `GET unmatched 404`
  override routeNotFound(): void {}
}

/** The route pattern (`/v1/contacts/:id`), never the raw URL; `unmatched` for a 404 of no route. */
function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}

/** Outbox backlog (one SQL per scrape) and pool use. When the database cannot answer, the backlog gauges are left out of the scrape. */
function databaseGauges(registry: Registry, store: Store, app: AnyServer): void {
  // prom-client collects all gauges at once: the two backlog gauges share the statement in flight
  let reading: Promise<OutboxBacklog | null> | null = null;
  const readBacklog = () =>
    (reading ??= selectOutboxBacklog(store.db)
      .catch((err) => {
        app.log.warn({ err }, 'metrics: the outbox backlog could not be read');
        return null;
      })
      .finally(() => {
        reading = null;
      }));

  new Gauge({
    name: 'omnimerge_outbox_backlog',
    help: 'Events waiting to reach subscribers: unpublished (written, not yet fanned out) and pending_delivery (webhook deliveries not yet acknowledged)',
    labelNames: ['stage'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const backlog = await readBacklog();
      if (!backlog) return;
      this.set({ stage: 'unpublished' }, backlog.unpublished);
      this.set({ stage: 'pending_delivery' }, backlog.pendingDeliveries);
    },
  });
  new Gauge({
    name: 'omnimerge_outbox_oldest_undelivered_age_seconds',
    help: 'Age of the oldest event not yet published or not yet delivered to every subscribed endpoint; 0 when nothing waits',
    registers: [registry],
    async collect() {
      this.reset();
      const backlog = await readBacklog();
      if (backlog) this.set(backlog.oldestAgeSeconds);
    },
  });
  new Gauge({
    name: 'omnimerge_db_pool_connections',
    help: 'Database connections by state: in_use, idle, waiting (callers waiting for a connection); the embedded PGlite has one connection',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const use = store.poolUse();
      this.set({ state: 'in_use' }, use.inUse);
      this.set({ state: 'idle' }, use.idle);
      this.set({ state: 'waiting' }, use.waiting);
    },
  });
  // the database's own health (src/store/health.ts): counted by the store, read at scrape time
  new Gauge({
    name: 'omnimerge_db_up',
    help: '1 while the database answers, 0 during an outage (requests answer 503 database_unavailable)',
    registers: [registry],
    collect() {
      this.set(store.health().up ? 1 : 0);
    },
  });
  new Counter({
    name: 'omnimerge_db_errors_total',
    help: 'Database errors seen by this process: failed connections, lost connections, statements refused during an outage',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(store.health().errors_total);
    },
  });
  new Counter({
    name: 'omnimerge_db_outage_seconds_total',
    help: 'Seconds this process found the database unreachable, over all outages so far (the current one included)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(store.health().outage_seconds_total);
    },
  });
  new Gauge({
    name: 'omnimerge_db_pool_max',
    help: 'The most connections the database pool opens',
    registers: [registry],
    collect() {
      this.set(store.poolUse().max);
    },
  });
}
