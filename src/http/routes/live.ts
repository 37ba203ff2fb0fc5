import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Store } from '../../store/database.js';
import { authenticateSession } from '../../usecases/authenticate.js';
import { liveReader, liveStart } from '../../usecases/watch-live.js';
import { sessionToken } from '../session-cookie.js';
import { errorResponses } from '../schemas.js';

// Live updates for the web UI and anyone else (docs/events.md): server-sent events over one long answer.

export interface LiveOptions {
  /** how often a stream looks for news (default 1000) */
  pollMs: number;
  /** a comment line this often keeps proxies from closing a quiet stream (default 15000) */
  heartbeatMs: number;
  /** the server ends a stream after this long; the client reconnects with Last-Event-ID (default 30 min) */
  maxMs: number;
}

export const DEFAULT_LIVE: LiveOptions = { pollMs: 1000, heartbeatMs: 15_000, maxMs: 30 * 60_000 };

export const liveRoutes: FastifyPluginAsyncTypebox<{ store: Store; live: LiveOptions }> = async (app, { store, live }) => {
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });

  app.get(
    '/events/stream',
    {
      schema: {
        operationId: 'streamEvents',
        tags: ['webhooks'],
        summary: "The project's events as they happen (server-sent events)",
        description:
          'A `text/event-stream`: every published event (`event:` its type, `data:` the event as GET /v1/events answers it) and a `message.created` notice ' +
          '(`{"id","conversation_id","contact_id","direction"}`) for every stored message. Each item\'s `id:` is the stream position; reconnect with it in ' +
          'Last-Event-ID (or `last_event_id=`) to get what you missed. A comment line comes every 15 s; the server ends a stream after 30 minutes (reconnect), and a cookie-authenticated one within 15 s of its session ending.',
        querystring: Type.Object(
          { last_event_id: Type.Optional(Type.String({ maxLength: 100, description: 'where to resume, when the client cannot send Last-Event-ID' })) },
          { additionalProperties: false },
        ),
        response: {
          200: {
            description: 'the stream: stays open',
            content: {
              'text/event-stream': {
                schema: Type.String({ title: 'EventStream', description: '`id:`, `event:` and `data:` lines per item, a blank line after each; `:` lines are comments (heartbeats)' }),
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const header = request.headers['last-event-id'];
      const start = await liveStart(store, request.projectId, (Array.isArray(header) ? header[0] : header) ?? request.query.last_event_id);
      const reader = liveReader(store, request.projectId, start);
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      raw.write(`retry: 2000\nid: ${reader.cursor()}\n: connected\n\n`);
      // (the route's hooks are done: a hijacked answer is written by hand)

      let ended = false;
      let timer: NodeJS.Timeout | undefined;
      const end = () => {
        if (ended) return;
        ended = true;
        clearTimeout(timer);
        clearInterval(heartbeat);
        clearTimeout(lifetime);
        open.delete(end);
        raw.end();
      };
      open.add(end);
      raw.on('close', end);
      const heartbeat = setInterval(() => raw.write(': heartbeat\n\n'), live.heartbeatMs);
      const lifetime = setTimeout(end, live.maxMs);
      // a stream opened with the sign-in cookie ends soon after that session does (sign-out, disabled operator)
      const token = request.caller.via === 'session' ? sessionToken(request) : null;
      let checkedAt = Date.now();
      const tick = async () => {
        try {
          if (token && Date.now() - checkedAt >= live.heartbeatMs) {
            checkedAt = Date.now();
            if (!(await authenticateSession(store, token))) return end();
          }
          const items = await reader.poll();
          if (ended) return;
          for (const item of items) raw.write(`id: ${item.cursor}\nevent: ${item.type}\ndata: ${JSON.stringify(item.data)}\n\n`);
        } catch (err) {
          request.log.warn({ err }, 'live stream: reading news failed; trying again');
        }
        if (!ended) timer = setTimeout(tick, live.pollMs);
      };
      timer = setTimeout(tick, 0);
    },
  );
};
