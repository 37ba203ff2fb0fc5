import { pino } from 'pino';
import { describeDatabase, storeOptions, type Config } from '../config.js';
import { deliveryOptionsFromEnv, startDelivery } from '../events/delivery.js';
import { retentionOptionsFromEnv, startRetention } from '../events/retention.js';
import { sendingOptionsFromEnv } from '../events/outgoing.js';
import { buildServer } from '../http/server.js';
import { openStore } from '../store/database.js';
import { ensureProjectForKey } from '../usecases/create-project.js';

/**
 * JSON lines for log collectors; readable colored lines (pino-pretty) when a person watches a terminal,
 * where a request's line is its message alone (`GET /v1/bots 401 0.5 ms`): its fields stay in the JSON.
 */
function createLogger(level: string) {
  if (!process.stdout.isTTY) return pino({ level });
  return pino({ level, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,reqId,method,route,status,ms' } } });
}

/**
 * `omnimerge serve`: the API on HOST:PORT, the sending of outgoing messages and webhook delivery, until
 * SIGTERM or SIGINT, which finish in-flight requests, sends and deliveries first.
 */
export async function serve(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel);
  const deliveryOptions = deliveryOptionsFromEnv(process.env);
  const retentionOptions = retentionOptionsFromEnv(process.env);
  const sending = sendingOptionsFromEnv(process.env);
  const store = await openStore({ ...storeOptions(config), waitForDatabase: true, logger: logger.child({ component: 'database' }) });
  if (config.apiKey) {
    const { project_id, created } = await ensureProjectForKey(store, config.apiKey);
    logger.info({ project_id }, created ? 'created a project for OMNIMERGE_API_KEY' : 'OMNIMERGE_API_KEY belongs to a project');
  } else if (!(await store.db.selectFrom('projects').select('project_id').limit(1).executeTakeFirst())) {
    logger.warn('no project yet: set OMNIMERGE_API_KEY, or stop the server and run `npx omnimerge project create <name>` for a key');
  }
  const app = await buildServer({ store, logger, messengerApiUrls: config.messengerApiUrls, allowPrivateWebhooks: deliveryOptions.allowPrivate, rateLimits: config.rateLimits, publicUrl: config.publicUrl, sending, metrics: config.metrics });
  await app.listen({ port: config.port, host: config.host });
  const delivery = startDelivery(store, deliveryOptions, logger.child({ component: 'webhooks' }));
  const retention = startRetention(store, retentionOptions, logger.child({ component: 'retention' }));
  logger.info(`omnimerge serves http://${config.host}:${(app.server.address() as { port: number }).port} on ${describeDatabase(config)}; API docs at /docs`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing requests in flight');
    try {
      await app.close();
      await delivery.stop();
      await retention.stop();
      await store.close();
      logger.info('stopped');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'stopping failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
