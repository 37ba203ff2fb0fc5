import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import addFormatsImport from 'ajv-formats';
import Fastify from 'fastify';
import type { Logger } from 'pino';
import { createMessengerAccounts } from '../channels/accounts.js';
import { createConnectors, type MessengerApiUrls } from '../channels/index.js';
import { DEFAULT_SENDING, startSending, type SendingOptions, type SendingWorker } from '../events/outgoing.js';
import type { Store } from '../store/database.js';
import { requireApiKey } from './auth.js';
import { handleClientError, handleError, handleFrameworkError, sendError } from './errors.js';
import { addJsonLimitsKeyword, guardInput } from './input-guards.js';
import { DEFAULT_RATE_LIMITS, limitRequestsPerKey, type RateLimits } from './rate-limits.js';
import { observeRequests, RequestLog } from './observability.js';
import { openapiOptions } from './openapi.js';
import { botRoutes } from './routes/bots.js';
import { channelRoutes } from './routes/channels.js';
import { contactRecordRoutes } from './routes/contact-records.js';
import { contactRoutes } from './routes/contacts.js';
import { conversationRoutes } from './routes/conversations.js';
import { eventRoutes } from './routes/events.js';
import { importRoutes } from './routes/imports.js';
import { inboundRoutes } from './routes/inbound.js';
import { landingLinkRoutes, landingPageRoutes } from './routes/landing.js';
import { likelyDuplicateRoutes } from './routes/likely-duplicates.js';
import { linkRoutes } from './routes/links.js';
import { pendingLinkRoutes } from './routes/pending-links.js';
import { mergeRuleRoutes } from './routes/merge-rules.js';
import { mergeRoutes } from './routes/merges.js';
import { settingsRoutes } from './routes/settings.js';
import { suggestionRoutes } from './routes/suggestions.js';
import { webhookEndpointRoutes } from './routes/webhook-endpoints.js';
import { assigneeRoutes } from './routes/assignees.js';
import { DEFAULT_LIVE, liveRoutes, type LiveOptions } from './routes/live.js';
import { operatorRoutes } from './routes/operators.js';
import { sessionRoutes, signInRoutes } from './routes/sessions.js';
import { errorResponses, Health, SHARED_SCHEMAS } from './schemas.js';
import { isUiPage, sendUiPage, WEB_UI_FILES, webUiBuilt } from './web-ui.js';
import { VERSION } from '../version.js';

const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv;

export interface ServerOptions {
  store: Store;
  logger: Logger | false;
  /** where the messengers' APIs are (config OMNIMERGE_<CHANNEL>_API_URL); unset: their public URLs */
  messengerApiUrls?: MessengerApiUrls;
  /** OMNIMERGE_WEBHOOK_ALLOW_PRIVATE: webhook endpoints may point at loopback and private addresses */
  allowPrivateWebhooks?: boolean;
  /** requests per API key and failed authentications per address, a minute (OMNIMERGE_RATE_LIMIT, OMNIMERGE_AUTH_FAILURE_LIMIT) */
  rateLimits?: RateLimits;
  /** OMNIMERGE_PUBLIC_URL: where messengers reach this server, to register their webhooks */
  publicUrl?: string | null;
  /** the sending worker's settings (OMNIMERGE_SEND_*); it runs while the server does */
  sending?: SendingOptions;
  /** serve GET /metrics (config OMNIMERGE_METRICS; default true) */
  metrics?: boolean;
  /** the live stream's timings (GET /v1/events/stream) */
  live?: Partial<LiveOptions>;
}

/**
 * Bodies are validated strictly (a string is not a number, unknown fields are refused); query strings
 * and paths are text, so their numbers are read from it.
 */
function validators() {
  const strict = addFormats(new Ajv({ allErrors: false, removeAdditional: false, useDefaults: true, coerceTypes: false, strict: false }));
  const lenient = addFormats(new Ajv({ allErrors: false, removeAdditional: false, useDefaults: true, coerceTypes: 'array', strict: false }));
  addJsonLimitsKeyword(strict);
  addJsonLimitsKeyword(lenient);
  for (const schema of SHARED_SCHEMAS) {
    strict.addSchema(schema);
    lenient.addSchema(schema);
  }
  return { strict, lenient };
}

export async function buildServer({ store, logger, messengerApiUrls, allowPrivateWebhooks = false, rateLimits = DEFAULT_RATE_LIMITS, publicUrl = null, sending = DEFAULT_SENDING, metrics = true, live: liveTimings = {} }: ServerOptions) {
  const live = { ...DEFAULT_LIVE, ...liveTimings };
  const connectors = createConnectors(messengerApiUrls, sending.timeoutMs);
  let sender: SendingWorker | null = null;
  const outbound = { store, connectors, giveUpMs: sending.giveUpMs, wake: () => sender?.wake() };
  const connections = { accounts: createMessengerAccounts(messengerApiUrls), publicUrl };
  const app = Fastify({
    loggerInstance: logger || undefined,
    logger: logger ? undefined : false,
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    frameworkErrors: handleFrameworkError,
    clientErrorHandler: handleClientError,
    logController: new RequestLog(),
  }).withTypeProvider<TypeBoxTypeProvider>();

  const { strict, lenient } = validators();
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : lenient).compile(schema));
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);

  await app.register(swagger, openapiOptions(VERSION));
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  observeRequests(app, { store, metrics });

  // On shutdown, answers still in flight close their connection: a kept-alive socket would hold the
  // server open for Fastify's 72 s keep-alive timeout after the last request is done.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });

  app.setErrorHandler(handleError);
  guardInput(app);
  app.setNotFoundHandler((request, reply) =>
    isUiPage(request) ? sendUiPage(reply) : sendError(reply, 404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}; see /docs`),
  );
  if (webUiBuilt()) await app.register(fastifyStatic, WEB_UI_FILES);

  // liveness: the process runs (a database outage must not get it restarted); readiness asks the database
  app.get('/healthz', { schema: { operationId: 'getHealth', tags: ['health'], summary: 'The process runs (liveness)', security: [], response: { 200: Health } } }, async () => ({
    status: 'ok' as const,
  }));
  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'getReadiness',
        tags: ['health'],
        summary: 'Ready to serve: the database answers and has every migration (503 otherwise)',
        security: [],
        response: { 200: Health, 503: errorResponses[503] },
      },
    },
    async (_request, reply) => {
      const { ready, reason } = await store.readiness();
      if (ready) return { status: 'ok' as const };
      return sendError(reply.header('retry-after', '1'), 503, 'database_unavailable', `not ready: ${reason}`);
    },
  );

  await app.register(
    async (v1) => {
      await limitRequestsPerKey(v1, rateLimits);
      requireApiKey(v1, store, rateLimits, publicUrl);
      await v1.register(botRoutes, { store, connections });
      await v1.register(inboundRoutes, { store });
      await v1.register(contactRoutes, { store });
      await v1.register(conversationRoutes, { store, outbound, waitMs: sending.waitMs });
      await v1.register(settingsRoutes, { store });
      await v1.register(mergeRoutes, { store });
      await v1.register(contactRecordRoutes, { store });
      await v1.register(suggestionRoutes, { store });
      await v1.register(webhookEndpointRoutes, { store, allowPrivate: allowPrivateWebhooks });
      await v1.register(eventRoutes, { store });
      await v1.register(linkRoutes, { store, outbound });
      await v1.register(landingLinkRoutes, { store, publicUrl });
      await v1.register(pendingLinkRoutes, { store });
      await v1.register(mergeRuleRoutes, { store });
      await v1.register(operatorRoutes, { store });
      await v1.register(sessionRoutes, { store, publicUrl });
      await v1.register(assigneeRoutes, { store });
      await v1.register(liveRoutes, { store, live });
      await v1.register(importRoutes, { store });
      await v1.register(likelyDuplicateRoutes, { store });
    },
    { prefix: '/v1' },
  );
  // signing in is how a browser gets its session cookie: it needs no key
  await app.register(signInRoutes, { prefix: '/v1', store, limits: rateLimits, publicUrl });
  // messengers cannot send our API key: their webhooks are verified with each bot's secret instead
  await app.register(channelRoutes, { prefix: '/v1', store, outbound });
  // the "choose your messenger" page: for people, no API key; its token is the key (docs/links.md)
  await app.register(landingPageRoutes, { store, publicUrl });

  // outgoing messages are sent by a worker beside the API; it stops with the server
  const worker = startSending(store, connectors, sending, logger ? logger.child({ component: 'sending' }) : false);
  sender = worker;
  app.addHook('onClose', async () => worker.stop());
  return app;
}
