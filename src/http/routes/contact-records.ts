import { Type, type FastifyPluginAsyncTypebox, type TSchema } from '@fastify/type-provider-typebox';
import type { Store } from '../../store/database.js';
import { addContactRecord, addConversationEvent, listRecords, setPreferences, type ContactRecordKind } from '../../usecases/contact-records.js';
import { ContactCard, errorResponses, FreeJsonInput, Id, Nullable, Page, PageQuery, Timestamp } from '../schemas.js';

// What a contact carries besides its fields, written and read here so that every rule of a merge
// (docs/merging.md) can be seen through the API: notes, contact events, references, conversation events, preferences.

const Data = Type.Record(Type.String(), Type.Unknown(), { description: 'free JSON object' });
const DataInput = FreeJsonInput('free JSON object');
const Params = Type.Object({ id: Id });
const ListQuery = Type.Object(PageQuery, { additionalProperties: false });

const REFERENCE_KINDS = ['integration', 'agent_session', 'sequence_run', 'campaign', 'scheduled_message'] as const;

const Note = Type.Object(
  { id: Id, contact_id: Id, text: Type.String(), author: Nullable(Type.String({ description: "who wrote it: the operator's name or the API key's label" })), created_at: Timestamp },
  { title: 'Note', description: 'a note on a contact' },
);
const ContactEvent = Type.Object(
  { id: Id, contact_id: Id, type: Type.String(), data: Data, created_at: Timestamp },
  { title: 'ContactEvent', description: 'an event another system recorded on a contact' },
);
const Reference = Type.Object(
  { id: Id, contact_id: Id, kind: Type.String(), ref: Type.String(), data: Data, message_id: Nullable(Id), created_at: Timestamp },
  { title: 'Reference', description: 'something another system attached to a contact; it follows the contact through merges' },
);
const ConversationEvent = Type.Object(
  { id: Id, conversation_id: Id, type: Type.String(), data: Data, created_at: Timestamp },
  { title: 'ConversationEvent', description: 'an event another system recorded on a conversation' },
);

const EventInput = Type.Object({ type: Type.String({ minLength: 1, maxLength: 100 }), data: Type.Optional(DataInput) }, { additionalProperties: false });

const CONTACT_RECORDS: Array<{ path: string; kind: ContactRecordKind; name: string; operation: string; input: TSchema; output: TSchema }> = [
  { path: 'notes', kind: 'notes', name: 'note', operation: 'Note', input: Type.Object({ text: Type.String({ minLength: 1, maxLength: 20000 }) }, { additionalProperties: false }), output: Note },
  { path: 'events', kind: 'contact_events', name: 'contact event', operation: 'ContactEvent', input: EventInput, output: ContactEvent },
  {
    path: 'references',
    kind: 'references',
    name: 'reference',
    operation: 'Reference',
    input: Type.Object(
      {
        kind: Type.Union(REFERENCE_KINDS.map((k) => Type.Literal(k)), { description: 'what the other system attached' }),
        ref: Type.String({ minLength: 1, maxLength: 500, description: "the other system's id" }),
        data: Type.Optional(DataInput),
        message_id: Type.Optional(Id),
      },
      { additionalProperties: false, description: 'a scheduled_message reference names the message it sends in message_id' },
    ),
    output: Reference,
  },
];

export const contactRecordRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  for (const { path, kind, name, operation, input, output } of CONTACT_RECORDS) {
    app.post(
      `/contacts/:id/${path}`,
      { schema: { operationId: `add${operation}`, tags: ['contacts'], summary: `Add a ${name} to a contact`, params: Params, body: input, response: { 201: output, ...errorResponses } } },
      async (request, reply) => {
        const values = kind === 'notes' ? { ...(request.body as Record<string, unknown>), author: request.caller.name } : (request.body as Record<string, unknown>);
        return reply.status(201).send(await addContactRecord(store, request.projectId, kind, request.params.id, values));
      },
    );
    app.get(
      `/contacts/:id/${path}`,
      {
        schema: {
          operationId: `list${operation}s`,
          tags: ['contacts'],
          summary: `A contact's ${name}s, oldest first`,
          params: Params,
          querystring: ListQuery,
          response: { 200: Page(output, `${operation}Page`), ...errorResponses },
        },
      },
      async (request) => listRecords(store.db, request.projectId, kind, request.params.id, request.query),
    );
  }

  app.put(
    '/contacts/:id/preferences',
    {
      schema: {
        operationId: 'setContactPreferences',
        tags: ['contacts'],
        summary: "Replace a contact's communication preferences",
        params: Params,
        body: FreeJsonInput('communication preferences, a free JSON object'),
        response: { 200: Type.Ref(ContactCard), ...errorResponses },
      },
    },
    async (request) => setPreferences(store, request.projectId, request.params.id, request.body),
  );

  app.post(
    '/conversations/:id/events',
    {
      schema: {
        operationId: 'addConversationEvent',
        tags: ['conversations'],
        summary: 'Add an event to a conversation',
        params: Params,
        body: EventInput,
        response: { 201: ConversationEvent, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await addConversationEvent(store, request.projectId, request.params.id, request.body)),
  );
  app.get(
    '/conversations/:id/events',
    {
      schema: {
        operationId: 'listConversationEvents',
        tags: ['conversations'],
        summary: "A conversation's events, oldest first",
        params: Params,
        querystring: ListQuery,
        response: { 200: Page(ConversationEvent, 'ConversationEventPage'), ...errorResponses },
      },
    },
    async (request) => listRecords(store.db, request.projectId, 'conversation_events', request.params.id, request.query),
  );
};
