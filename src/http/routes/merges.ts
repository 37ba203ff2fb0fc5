import { Type, type FastifyPluginAsyncTypebox, type TSchema } from '@fastify/type-provider-typebox';
import type { Store } from '../../store/database.js';
import { listContactHistory } from '../../usecases/list-contact-history.js';
import { mergeTwoContacts } from '../../usecases/merge-contacts.js';
import { undoMerge } from '../../usecases/undo-merge.js';
import { unmergeIdentity } from '../../usecases/unmerge-identity.js';
import { LinkData, MergeRecord } from '../event-schemas.js';
import { ContactCard, errorResponses, Id, MergeCounts, Nullable, Page, PageQuery, Timestamp } from '../schemas.js';

// Merges over HTTP (docs/merging.md): merge (or its dry run), undo a merge from its journal, untie an identity, history.

const Count = Type.Integer({ minimum: 0 });

export const MergeAnswer = Type.Object({
  merge_id: Nullable(Type.String({ format: 'uuid', description: 'null for a dry run' })),
  dry_run: Type.Boolean(),
  contact: Type.Ref(ContactCard),
  moved: MergeCounts,
}, { title: 'MergeAnswer', description: 'the surviving contact and what moved into it' });

// One entry shape per kind, discriminated on `kind`.
const HISTORY_KINDS: Array<{ kind: string; title: string; description: string; data: TSchema }> = [
  { kind: 'merge', title: 'MergeHistoryEntry', description: 'a merge into this contact', data: MergeRecord },
  {
    kind: 'unmerge',
    title: 'UnmergeHistoryEntry',
    description: 'an identity untied into a new contact (other_contact_id)',
    data: Type.Object({
      contact_id: Id,
      new_contact_id: Id,
      identity_id: Id,
      actor: Type.String(),
      moved: Type.Object({ conversations: Count, messages: Count }),
    }),
  },
  {
    kind: 'undo',
    title: 'UndoHistoryEntry',
    description: 'a merge undone: other_contact_id is active again',
    data: Type.Object({ merge_id: Id, from_contact_id: Id, to_contact_id: Id, actor: Type.String() }),
  },
  { kind: 'link', title: 'LinkHistoryEntry', description: 'a merge link completed: its identity joined this contact', data: LinkData },
  {
    kind: 'rule_match',
    title: 'RuleMatchHistoryEntry',
    description: 'a merge rule matched other_contact_id and merged it into this contact',
    data: Type.Object({ rule_id: Id, fields: Type.Array(Type.String()), values: Type.Array(Type.String()), merge_id: Nullable(Id) }),
  },
  {
    kind: 'merge_suggested',
    title: 'MergeSuggestedHistoryEntry',
    description: 'manual mode: a merge of this contact into other_contact_id waits for an operator',
    data: Type.Object({ suggestion_id: Id, kind: Type.String(), reason: Type.String(), evidence: Type.Record(Type.String(), Type.Unknown()) }),
  },
  {
    kind: 'merge_rejected',
    title: 'MergeRejectedHistoryEntry',
    description: 'manual mode: an operator rejected merging this contact into other_contact_id',
    data: Type.Object({ suggestion_id: Id, kind: Type.String(), reason: Type.String(), decided_by: Type.String() }),
  },
];

const HistoryEntry = Type.Union(
  HISTORY_KINDS.map(({ kind, title, description, data }) =>
    Type.Object(
      {
        id: Id,
        kind: Type.Literal(kind),
        contact_id: Id,
        other_contact_id: Nullable(Id),
        data,
        created_at: Timestamp,
        contact_name: Nullable(Type.String({ description: "contact_id as people call it: its name, else phone, e-mail or external id (a merged contact's from its merge)" })),
        other_contact_name: Nullable(Type.String({ description: 'other_contact_id as people call it, like contact_name' })),
        rule_fields: Nullable(Type.Array(Type.String(), { description: 'the fields of the merge rule the entry names (rule_id or a rule:<id> reason), while that rule exists' })),
      },
      { title, description },
    ),
  ),
  {
    title: 'HistoryEntry',
    description: "an entry of a contact's history; `kind` says which `data` it holds",
    discriminator: { propertyName: 'kind', mapping: Object.fromEntries(HISTORY_KINDS.map((k) => [k.kind, `#/components/schemas/${k.title}`])) },
  },
);


export const mergeRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.post(
    '/contacts/merge',
    {
      schema: {
        operationId: 'mergeContacts',
        tags: ['merges'],
        summary: 'Merge one contact into another',
        description:
          'Everything of from_contact_id moves into to_contact_id in one transaction, recorded with a journal so POST /v1/merges/{id}/undo can put it back. dry_run answers the resulting contact and the counts and changes nothing.',
        body: Type.Object(
          {
            from_contact_id: Id,
            to_contact_id: Id,
            dry_run: Type.Optional(Type.Boolean({ default: false })),
            fields: Type.Optional(
              Type.Record(Type.String(), Type.Union([Type.Literal('from'), Type.Literal('to')]), {
                description:
                  'which side\'s value the survivor keeps, per field: name, phone, email, external_id or variables.<key> → "from" or "to"; fields not named follow the default policy. Recorded with the merge; an undo restores both values.',
                examples: [{ name: 'from', 'variables.plan': 'to' }],
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: MergeAnswer, ...errorResponses },
      },
    },
    async (request) => {
      const { from_contact_id, to_contact_id, dry_run, fields } = request.body;
      return mergeTwoContacts(store, request.projectId, { fromId: from_contact_id, toId: to_contact_id, reason: 'api', actor: request.caller.name, dryRun: dry_run, fields });
    },
  );

  app.post(
    '/merges/:id/undo',
    {
      schema: {
        operationId: 'undoMerge',
        tags: ['merges'],
        summary: 'Undo a merge from its journal',
        description: 'Everything the merge moved goes back and the merged contact is active again. Refused (409) while a later merge or unmerge of the survivor stands.',
        params: Type.Object({ id: Id }),
        response: {
          200: Type.Object({ merge_id: Id, contacts: Type.Array(Type.Ref(ContactCard)) }, { title: 'UndoneMerge', description: 'both contacts as they are again' }),
          ...errorResponses,
        },
      },
    },
    async (request) => undoMerge(store, request.projectId, request.params.id, request.caller.name),
  );

  app.post(
    '/contacts/:id/unmerge',
    {
      schema: {
        operationId: 'unmergeIdentity',
        tags: ['merges'],
        summary: 'Untie one identity into a new contact',
        description: 'The named identity, or else the one the client wrote from last, moves to a new contact with its messages in conversations of their own.',
        params: Type.Object({ id: Id }),
        body: Type.Union([Type.Object({ identity_id: Type.Optional(Id) }, { additionalProperties: false }), Type.Null()]),
        response: {
          200: Type.Object({
            contact_id: Type.String({ format: 'uuid', description: 'the new contact' }),
            from_contact_id: Id,
            identity_id: Id,
            moved: Type.Object({ conversations: Count, messages: Count }),
            contact: Type.Ref(ContactCard),
          }, { title: 'UnmergedIdentity', description: 'the new contact the identity moved to' }),
          ...errorResponses,
        },
      },
    },
    async (request) => unmergeIdentity(store, request.projectId, request.params.id, { identity_id: request.body?.identity_id, actor: request.caller.name }),
  );

  app.get(
    '/contacts/:id/history',
    {
      // entries go out as written: the union of every kind documents them (compiling it costs seconds at start)
      serializerCompiler: () => JSON.stringify,
      schema: {
        operationId: 'listContactHistory',
        tags: ['merges'],
        summary: "A contact's merges, unmerges and undos, newest first",
        description: 'Includes what happened to the contacts merged into it.',
        params: Type.Object({ id: Id }),
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: Page(HistoryEntry, 'HistoryPage'), ...errorResponses },
      },
    },
    async (request) => listContactHistory(store.db, request.projectId, request.params.id, request.query),
  );
};
