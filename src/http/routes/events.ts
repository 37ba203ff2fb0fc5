import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Store } from '../../store/database.js';
import { listEvents } from '../../usecases/list-events.js';
import { Event } from '../event-schemas.js';
import { errorResponses } from '../schemas.js';

// Events by polling (docs/events.md): the same events the webhooks deliver, for consumers without a public URL.

export const eventRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.get(
    '/events',
    {
      // Events go out as they were written, like the webhook bodies: the union of every event type
      // documents them, and compiling it into a serializer would cost the server seconds at start.
      serializerCompiler: () => JSON.stringify,
      schema: {
        operationId: 'listEvents',
        tags: ['webhooks'],
        summary: 'Events after a given one, oldest first (polling)',
        description: 'Pass next_after as after in the next call; an empty page means nothing new yet.',
        querystring: Type.Object(
          {
            after: Type.Optional(Type.String({ description: 'the id of the last event you handled; 0 or nothing for the first' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object(
            { items: Type.Array(Event), next_after: Type.String({ description: 'pass as after in the next call' }) },
            { title: 'EventPage', description: 'events after the one given, oldest first' },
          ),
          ...errorResponses,
        },
      },
    },
    async (request) => listEvents(store, request.projectId, request.query),
  );
};
