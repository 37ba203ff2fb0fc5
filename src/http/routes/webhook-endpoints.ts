import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ALL_EVENTS, EVENT_TYPES } from '../../events/types.js';
import type { Store } from '../../store/database.js';
import { createWebhookEndpoint } from '../../usecases/create-webhook-endpoint.js';
import { deleteWebhookEndpoint } from '../../usecases/delete-webhook-endpoint.js';
import { listWebhookDeliveries } from '../../usecases/list-webhook-deliveries.js';
import { listWebhookEndpoints } from '../../usecases/list-webhook-endpoints.js';
import { retryWebhookDelivery } from '../../usecases/retry-webhook-delivery.js';
import { errorResponses, Id, List, Nullable, Page, PageQuery, Timestamp } from '../schemas.js';

// Webhook endpoints and their delivery log (docs/events.md).


const WebhookEndpoint = Type.Object({
  id: Id,
  url: Type.String(),
  events: Type.Array(Type.String()),
  created_at: Timestamp,
  secret: Type.Optional(Type.String({ description: 'signs the deliveries; shown only when the endpoint is created' })),
}, { title: 'WebhookEndpoint', description: 'a URL subscribed to events' });

const DeliveryStatus = Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('dead')]);

const WebhookDelivery = Type.Object({
  id: Type.String({ description: 'delivery id (digits)' }),
  endpoint_id: Id,
  event_id: Type.String(),
  event_type: Type.String(),
  contact_id: Nullable(Id),
  status: DeliveryStatus,
  attempts: Type.Integer({ description: 'attempts made so far' }),
  next_attempt_at: Timestamp,
  last_attempt_at: Nullable(Timestamp),
  last_status_code: Nullable(Type.Integer({ description: "the endpoint's HTTP status at the last attempt" })),
  last_error: Nullable(Type.String()),
  attempt_log: Type.Array(
    Type.Object({
      at: Type.String({ format: 'date-time' }),
      status_code: Nullable(Type.Integer()),
      error: Nullable(Type.String()),
      duration_ms: Type.Integer(),
    }),
    { description: 'the last 10 attempts, oldest first' },
  ),
  delivered_at: Nullable(Timestamp),
  created_at: Timestamp,
}, { title: 'WebhookDelivery', description: 'one event on its way to one endpoint, with its attempts' });

const EndpointParams = Type.Object({ id: Id });
const DeliveryParams = Type.Object({ id: Id, delivery_id: Type.String() });

export const webhookEndpointRoutes: FastifyPluginAsyncTypebox<{ store: Store; allowPrivate: boolean }> = async (app, { store, allowPrivate }) => {
  app.post(
    '/webhook-endpoints',
    {
      schema: {
        operationId: 'createWebhookEndpoint',
        tags: ['webhooks'],
        summary: 'Subscribe a URL to events',
        description:
          'Deliveries are signed POSTs, retried with backoff for at least 24 hours, in order per contact; see docs/events.md. ' +
          'A URL whose host is a loopback, private, link-local, unique-local or metadata address is refused (422 invalid_webhook_url) unless the server runs with OMNIMERGE_WEBHOOK_ALLOW_PRIVATE=true.',
        body: Type.Object(
          {
            url: Type.String({ minLength: 1, maxLength: 2000, description: 'http or https URL that receives the POSTs' }),
            events: Type.Optional(
              Type.Array(Type.String(), { maxItems: 100, description: `"${ALL_EVENTS}" (the default) or any of ${EVENT_TYPES.join(', ')}` }),
            ),
            secret: Type.Optional(Type.String({ minLength: 16, maxLength: 500, description: 'signs the deliveries; generated when not given' })),
          },
          { additionalProperties: false },
        ),
        response: { 201: WebhookEndpoint, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await createWebhookEndpoint(store, request.projectId, request.body, { allowPrivate })),
  );

  app.get(
    '/webhook-endpoints',
    {
      schema: {
        operationId: 'listWebhookEndpoints',
        tags: ['webhooks'],
        summary: "The project's webhook endpoints (without secrets)",
        response: { 200: List(WebhookEndpoint, 'WebhookEndpointList'), ...errorResponses },
      },
    },
    async (request) => listWebhookEndpoints(store, request.projectId),
  );

  app.delete(
    '/webhook-endpoints/:id',
    {
      schema: {
        operationId: 'deleteWebhookEndpoint',
        tags: ['webhooks'],
        summary: 'Stop delivering to an endpoint',
        params: EndpointParams,
        response: { 204: Type.Null({ description: 'deleted: nothing more is delivered to it' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      await deleteWebhookEndpoint(store, request.projectId, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/webhook-endpoints/:id/deliveries',
    {
      schema: {
        operationId: 'listWebhookDeliveries',
        tags: ['webhooks'],
        summary: "An endpoint's deliveries, newest first, with their attempts",
        params: EndpointParams,
        querystring: Type.Object({ status: Type.Optional(DeliveryStatus), ...PageQuery }, { additionalProperties: false }),
        response: { 200: Page(WebhookDelivery, 'WebhookDeliveryPage'), ...errorResponses },
      },
    },
    async (request) => listWebhookDeliveries(store, request.projectId, request.params.id, request.query),
  );

  app.post(
    '/webhook-endpoints/:id/deliveries/:delivery_id/retry',
    {
      schema: {
        operationId: 'retryWebhookDelivery',
        tags: ['webhooks'],
        summary: 'Send a delivery again now (a dead one too)',
        params: DeliveryParams,
        response: { 200: WebhookDelivery, ...errorResponses },
      },
    },
    async (request) => retryWebhookDelivery(store, request.projectId, request.params.id, request.params.delivery_id),
  );
};
