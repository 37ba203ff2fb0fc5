import { Type, type FastifyPluginAsyncTypebox, type Static } from '@fastify/type-provider-typebox';
import type { Store } from '../../store/database.js';
import { createContact } from '../../usecases/create-contact.js';
import { DomainError } from '../../domain/errors.js';
import { eraseContact } from '../../usecases/erase-contact.js';
import { exportContact } from '../../usecases/export-contact.js';
import { getContact } from '../../usecases/get-contact.js';
import { listContacts } from '../../usecases/list-contacts.js';
import { assigneeOf } from '../../usecases/list-assigned-conversations.js';
import { listConversations } from '../../usecases/list-conversations.js';
import { updateContact } from '../../usecases/update-contact.js';
import { ChannelName, Contact, ContactCard, ContactInput, Conversation, errorResponses, Id, Nullable, Page, PageQuery, Timestamp } from '../schemas.js';

const ContactParams = Type.Object({ id: Id });

const Rows = Type.Array(Type.Record(Type.String(), Type.Unknown()));
const ExportRows = (description: string) => Type.Array(Type.Record(Type.String(), Type.Unknown()), { description });

const ContactExport = Type.Object({
  exported_at: Timestamp,
  contact: Type.Ref(ContactCard),
  contacts: ExportRows('the contact and every contact merged into it, as stored'),
  identities: ExportRows('every messenger account of the person'),
  conversations: Rows,
  messages: ExportRows('every message in those conversations or from those identities'),
  attachments: Rows,
  conversation_events: Rows,
  notes: Rows,
  tags: Rows,
  alternates: ExportRows('secondary phones and e-mails'),
  contact_events: Rows,
  references: Rows,
  history: ExportRows('merges, unmerges, links and rule matches'),
  merges: ExportRows('merges the person took part in'),
  merge_journal: ExportRows('what each of those merges moved, as kept for undo'),
  merge_suggestions: Rows,
  merge_links: ExportRows('merge links and codes made for the person (without their secrets)'),
  merge_code_failures: Rows,
  events: ExportRows('webhook events about the person still kept'),
  other: Type.Record(Type.String(), Rows, { description: 'rows of further tables that name the person, by table' }),
}, { title: 'ContactExport', description: 'everything stored about the person, as one document' });

const Erasure = Type.Object({
  erasure_id: Id,
  contact_id: Id,
  erased_contact_ids: Type.Array(Id, { description: 'the contact and the contacts that had been merged into it' }),
  erased: Type.Record(Type.String(), Type.Integer(), { description: 'rows deleted, per table' }),
  erased_at: Timestamp,
}, { title: 'ContactErasure', description: 'what was erased: ids and counts only, no personal data' });

const ContactListItem = Type.Object(
  {
    ...Contact.properties,
    channels: Type.Array(ChannelName, { description: 'the messengers of its identities' }),
    messenger_name: Nullable(Type.String({ description: 'what its messengers call the contact (a name, else @username), for one without a name of its own' })),
    last_message: Nullable(
      Type.Object({
        text: Nullable(Type.String()),
        direction: Type.Union([Type.Literal('in'), Type.Literal('out')]),
        at: Timestamp,
        channel: ChannelName,
        attachments: Type.Array(Type.String(), { description: 'the types of what it carried' }),
      }),
    ),
    last_activity_at: Nullable(Timestamp),
    recommended_channel: Nullable(ChannelName),
    window_open: Type.Boolean({ description: 'some identity may be written to now' }),
  },
  { title: 'ContactListItem', description: 'a contact as a list shows it: its fields, messengers, last message and where to answer' },
);

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
        description:
          'Filters are AND-ed. A phone in any writing finds the contact; q searches name and messenger usernames. Each contact comes with what a list shows: ' +
          'its messengers, last message, last activity and the channel to answer in. Newest first, or with sort=last_activity most recently active first.',
        querystring: Type.Object(
          {
            phone: Type.Optional(Type.String()),
            email: Type.Optional(Type.String()),
            external_id: Type.Optional(Type.String()),
            q: Type.Optional(Type.String({ maxLength: 200 })),
            channel: Type.Optional(Type.Union(ChannelName.anyOf, { description: 'only contacts with an identity on this messenger' })),
            tag: Type.Optional(Type.String({ maxLength: 200, description: 'only contacts with this tag' })),
            window: Type.Optional(Type.Literal('open', { description: 'open: only contacts that may be written to now (an identity with an open window)' })),
            sort: Type.Optional(Type.Literal('last_activity', { description: 'most recently active first (contacts without messages last); default newest first' })),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(ContactListItem, 'ContactPage'), ...errorResponses },
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
        querystring: Type.Object(
          { ...PageQuery, assignee: Type.Optional(Type.Union([Id, Type.Literal('me')], { description: 'only conversations assigned to this operator ("me": the signed-in one)' })) },
          { additionalProperties: false },
        ),
        response: { 200: Page(Type.Ref(Conversation), 'ConversationPage'), ...errorResponses },
      },
    },
    async (request) =>
      listConversations(store.db, request.projectId, request.params.id, {
        ...request.query,
        assigneeId: request.query.assignee === undefined ? undefined : assigneeOf(request.caller, request.query.assignee),
      }),
  );

  app.get(
    '/contacts/:id/export',
    {
      schema: {
        operationId: 'exportContact',
        tags: ['privacy'],
        summary: 'Everything stored about a person, as one JSON document',
        description: 'The contact card, then every stored row about the person and the contacts merged into it; see docs/privacy.md.',
        params: ContactParams,
        response: { 200: ContactExport, ...errorResponses },
      },
    },
    // the row keys come from the store's table of a person's tables (src/store/person-data.ts)
    async (request) => (await exportContact(store, request.projectId, request.params.id)) as Static<typeof ContactExport>,
  );

  app.delete(
    '/contacts/:id',
    {
      schema: {
        operationId: 'eraseContact',
        tags: ['privacy'],
        summary: 'Erase a person for good (erase=true)',
        description:
          'Deletes the contact, the contacts merged into it, their identities, conversations, messages, history, merge journals, suggestions and links; ' +
          'leaves an audit entry without personal data and emits contact.erased. A merged contact answers 409: erase its survivor. See docs/privacy.md.',
        params: ContactParams,
        querystring: Type.Object({ erase: Type.Optional(Type.Boolean({ description: 'must be true: erasing cannot be undone' })) }, { additionalProperties: false }),
        response: { 200: Erasure, ...errorResponses },
      },
    },
    async (request) => {
      if (request.query.erase !== true) {
        throw new DomainError(
          'erase_required',
          'DELETE /v1/contacts/{id} erases the person and all their data for good; add ?erase=true to confirm (to fix a duplicate, merge it instead)',
        );
      }
      return eraseContact(store, request.projectId, request.params.id, request.caller.name);
    },
  );
};
