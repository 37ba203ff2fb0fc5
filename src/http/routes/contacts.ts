import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Store } from '../../store/database.js';
import { createContact } from '../../usecases/create-contact.js';
import { getContact } from '../../usecases/get-contact.js';
import { listContacts } from '../../usecases/list-contacts.js';
import { listConversations } from '../../usecases/list-conversations.js';
import { updateContact } from '../../usecases/update-contact.js';
import { Contact, ContactCard, ContactInput, Conversation, errorResponses, Id, Page, PageQuery } from '../schemas.js';

const ContactParams = Type.Object({ id: Id });

export const contactRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.post(
    '/contacts',
    { schema: { operationId: 'createContact', tags: ['contacts'], summary: 'Create a contact', body: ContactInput, response: { 201: Type.Ref(ContactCard), ...errorResponses } } },
    async (request, reply) => reply.status(201).send(await createContact(store, request.projectId, request.body)),
  );

  app.get(
    '/contacts',
    {
      schema: {
        operationId: 'listContacts',
        tags: ['contacts'],
        summary: 'Find active contacts',
        description: 'Filters are AND-ed. A phone in any writing finds the contact; q searches name and messenger usernames.',
        querystring: Type.Object(
          {
            phone: Type.Optional(Type.String()),
            email: Type.Optional(Type.String()),
            external_id: Type.Optional(Type.String()),
            q: Type.Optional(Type.String({ maxLength: 200 })),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(Type.Ref(Contact), 'ContactPage'), ...errorResponses },
      },
    },
    async (request) => listContacts(store.db, request.projectId, request.query),
  );

  app.get(
    '/contacts/:id',
    {
      schema: {
        operationId: 'getContact',
        tags: ['contacts'],
        summary: 'The contact card with its identities ("related dialogs")',
        description: 'A merged contact answers 200 with state "merged" and merged_into.',
        params: ContactParams,
        response: { 200: Type.Ref(ContactCard), ...errorResponses },
      },
    },
    async (request) => getContact(store.db, request.projectId, request.params.id),
  );

  app.patch(
    '/contacts/:id',
    {
      schema: {
        operationId: 'updateContact',
        tags: ['contacts'],
        summary: 'Change a contact',
        description: 'Only the fields given change; null clears one; variables and tags are replaced whole.',
        params: ContactParams,
        body: ContactInput,
        response: { 200: Type.Ref(ContactCard), ...errorResponses },
      },
    },
    async (request) => updateContact(store, request.projectId, request.params.id, request.body),
  );

  app.get(
    '/contacts/:id/conversations',
    {
      schema: {
        operationId: 'listConversations',
        tags: ['conversations'],
        summary: "A contact's conversations, newest first",
        params: ContactParams,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: Page(Type.Ref(Conversation), 'ConversationPage'), ...errorResponses },
      },
    },
    async (request) => listConversations(store.db, request.projectId, request.params.id, request.query),
  );
};
