import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Store } from '../../store/database.js';
import { dedupeContacts } from '../../usecases/dedupe-contacts.js';
import { dedupeLikely, LikelyDedupeResult } from './likely-dedupe.js';
import { createMergeRule, deleteMergeRule, listMergeRules, reportSharedValues } from '../../usecases/merge-rules.js';
import { errorResponses, Id, List, SharedValue, Timestamp } from '../schemas.js';

// Merge rules, the shared-values report and the bulk dedupe (docs/rules.md).

const Rule = Type.Object({
  id: Id,
  fields: Type.Array(Type.String(), { description: 'phone, email, external_id or variables.<name>; all must be equal' }),
  created_at: Timestamp,
}, { title: 'MergeRule', description: 'contacts equal on every field are one person' });

const Cluster = Type.Object({
  survivor: Id,
  members: Type.Array(Type.Object({ contact_id: Id, rule_id: Id, values: Type.Array(Type.String()) })),
});

export const mergeRuleRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.get(
    '/merge-rules',
    { schema: { operationId: 'listMergeRules', tags: ['rules'], summary: 'The merge rules (OR-ed)', response: { 200: List(Rule, 'MergeRuleList'), ...errorResponses } } },
    async (request) => listMergeRules(store.db, request.projectId),
  );

  app.post(
    '/merge-rules',
    {
      schema: {
        operationId: 'createMergeRule',
        tags: ['rules'],
        summary: 'Add a merge rule',
        description:
          'Contacts equal on every field of a rule are one person. Values are compared normalized (E.164 phones, lower-cased e-mails, trimmed variables), also against alternates. Existing duplicates are merged by POST /v1/dedupe. The first rule on a variable builds an index of it (about a second per million contacts, writes to contacts wait meanwhile); should a long transaction hold contacts for more than 5 s, the rule is refused with 503 contacts_busy and nothing changes.',
        body: Type.Object({ fields: Type.Array(Type.String({ maxLength: 120 }), { maxItems: 50 }) }, { additionalProperties: false }),
        response: { 201: Rule, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await createMergeRule(store, request.projectId, request.body.fields)),
  );

  app.delete(
    '/merge-rules/:id',
    { schema: { operationId: 'deleteMergeRule', tags: ['rules'], summary: 'Remove a merge rule', params: Type.Object({ id: Id }), response: { 204: Type.Null({ description: 'removed (and the index of a variable no rule reads any more)' }), ...errorResponses } } },
    async (request, reply) => {
      await deleteMergeRule(store, request.projectId, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/merge-rules/report',
    {
      schema: {
        operationId: 'reportSharedValues',
        tags: ['rules'],
        summary: 'Values shared by more than max_shared contacts',
        description: 'These values are not used for automatic merges; blocked values are left out altogether.',
        response: {
          200: Type.Object(
            { max_shared: Type.Integer(), shared_values: Type.Array(Type.Ref(SharedValue)) },
            { title: 'SharedValuesReport', description: 'values too shared to merge on' },
          ),
          ...errorResponses,
        },
      },
    },
    async (request) => reportSharedValues(store.db, request.projectId),
  );

  app.post(
    '/dedupe',
    {
      schema: {
        operationId: 'dedupeContacts',
        tags: ['rules'],
        summary: 'Apply every rule to the whole base at once',
        description: 'Clusters of matching contacts (chains included) are merged into their oldest contact, or suggested in manual mode. dry_run reports the clusters and changes nothing. likely: instead of the rules, find likely duplicates over the whole base and suggest each pair at or above likely_threshold once (kind likely); nothing is merged.',
        body: Type.Union([
          Type.Object({ dry_run: Type.Optional(Type.Boolean()), likely: Type.Optional(Type.Boolean({ description: 'suggest likely duplicates instead of applying the rules' })) }, { additionalProperties: false }),
          Type.Null(),
        ]),
        response: {
          200: Type.Object({
            dry_run: Type.Boolean(),
            clusters_found: Type.Integer(),
            contacts_merged: Type.Integer(),
            suggestions_created: Type.Integer(),
            clusters: Type.Array(Cluster, { description: 'the first 100 clusters' }),
            shared_values: Type.Array(Type.Ref(SharedValue)),
            failed: Type.Array(Type.Object({ survivor: Id, reason: Type.String() })),
            likely: Type.Optional(LikelyDedupeResult),
          }, { title: 'DedupeResult', description: 'the clusters found and what was done with them' }),
          ...errorResponses,
        },
      },
    },
    async (request) =>
      request.body?.likely
        ? dedupeLikely(store, request.projectId, request.body.dry_run ?? false)
        : dedupeContacts(store, request.projectId, { dryRun: request.body?.dry_run ?? false }),
  );
};
