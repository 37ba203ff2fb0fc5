import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import addFormatsImport from 'ajv-formats';
import Fastify from 'fastify';
import type { Logger } from 'pino';
import { createConnectors, type MessengerApiUrls } from '../channels/index.js';
import type { Store } from '../store/database.js';
import { requireApiKey } from './auth.js';
import { handleError, sendError } from './errors.js';
import { openapiOptions } from './openapi.js';
import { botRoutes } from './routes/bots.js';
import { channelRoutes } from './routes/channels.js';
import { contactRecordRoutes } from './routes/contact-records.js';
import { contactRoutes } from './routes/contacts.js';
import { conversationRoutes } from './routes/conversations.js';
import { eventRoutes } from './routes/events.js';
import { inboundRoutes } from './routes/inbound.js';
import { linkRoutes } from './routes/links.js';
import { mergeRuleRoutes } from './routes/merge-rules.js';
import { mergeRoutes } from './routes/merges.js';
import { settingsRoutes } from './routes/settings.js';
import { suggestionRoutes } from './routes/suggestions.js';
import { webhookEndpointRoutes } from './routes/webhook-endpoints.js';
import { errorResponses, Health, SHARED_SCHEMAS } from './schemas.js';
import { isUiPage, sendUiPage, WEB_UI_FILES, webUiBuilt } from './web-ui.js';

const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv;
const VERSION = '0.1.0';

export interface ServerOptions {
  store: Store;
  logger: Logger | false;
  /** where the messengers' APIs are (config OMNIMERGE_<CHANNEL>_API_URL); unset: their public URLs */
  messengerApiUrls?: MessengerApiUrls;
}

/**
 * Bodies are validated strictly (a string is not a number, unknown fields are refused); query strings
 * and paths are text, so their numbers are read from it.
 */
function validators() {
  const strict = addFormats(new Ajv({ allErrors: false, removeAdditional: false, useDefaults: true, coerceTypes: false, strict: false }));
  const lenient = addFormats(new Ajv({ allErrors: false, removeAdditional: false, useDefaults: true, coerceTypes: 'array', strict: false }));
  for (const schema of SHARED_SCHEMAS) {
    strict.addSchema(schema);
    lenient.addSchema(schema);
  }
  return { strict, lenient };
}

export async function buildServer({ store, logger, messengerApiUrls }: ServerOptions) {
  const outbound = { store, connectors: createConnectors(messengerApiUrls) };
  const app = Fastify({
    loggerInstance: logger || undefined,
    logger: logger ? undefined : false,
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  }).withTypeProvider<TypeBoxTypeProvider>();

  const { strict, lenient } = validators();
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : lenient).compile(schema));
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);

  await app.register(swagger, openapiOptions(VERSION));
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

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
  app.setNotFoundHandler((request, reply) =>
    isUiPage(request) ? sendUiPage(reply) : sendError(reply, 404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}; see /docs`),
  );
  if (webUiBuilt()) await app.register(fastifyStatic, WEB_UI_FILES);

  const healthSchema = { operationId: 'getHealth', tags: ['health'], summary: 'Ready to serve', security: [], response: { 200: Health, 503: errorResponses[503] } };
  app.get('/healthz', { schema: healthSchema }, async () => {
    await store.db.selectFrom('projects').select('project_id').limit(1).execute();
    return { status: 'ok' as const };
  });

  await app.register(
    async (v1) => {
      requireApiKey(v1, store);
      await v1.register(botRoutes, { store });
      await v1.register(inboundRoutes, { store });
      await v1.register(contactRoutes, { store });
      await v1.register(conversationRoutes, { store, outbound });
      await v1.register(settingsRoutes, { store });
      await v1.register(mergeRoutes, { store });
      await v1.register(contactRecordRoutes, { store });
      await v1.register(suggestionRoutes, { store });
      await v1.register(webhookEndpointRoutes, { store });
      await v1.register(eventRoutes, { store });
      await v1.register(linkRoutes, { store, outbound });
      await v1.register(mergeRuleRoutes, { store });
    },
    { prefix: '/v1' },
  );
  // messengers cannot send our API key: their webhooks are verified with each bot's secret instead
  await app.register(channelRoutes, { prefix: '/v1', store });

  return app;
}
