import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Store } from '../../store/database.js';
import { findLikelyDuplicates } from '../../usecases/find-likely-duplicates.js';
import { Contact, errorResponses, Id } from '../schemas.js';

// docs/likely-duplicates.md: contacts that are likely the same person, scored and explained.

export const LikelyEvidence = Type.Object(
  {
    field: Type.String({ description: 'name, phone, email, or variables.<key>' }),
    a: Type.String({ description: "the first contact's value" }),
    b: Type.String({ description: "the other contact's value" }),
    comparison: Type.Union(
      [
        Type.Literal('same'),
        Type.Literal('transliterated'),
        Type.Literal('similar'),
        Type.Literal('same last 7 digits'),
        Type.Literal('two adjacent digits swapped'),
        Type.Literal('differs in one digit'),
        Type.Literal('same after removing dots/+tags'),
        Type.Literal('same local part'),
        Type.Literal('same variable'),
        Type.Literal('different'),
      ],
      { description: 'how the two values compare' },
    ),
    similarity: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'names: trigram similarity of their Latin spellings' })),
    weight: Type.Number({ description: 'what this comparison added to the log-odds of the score (negative: against)' }),
  },
  { title: 'LikelyEvidence', description: 'one compared field of two contacts' },
);

export const LikelyDuplicate = Type.Object(
  {
    contact: Type.Ref(Contact),
    score: Type.Number({ minimum: 0, maximum: 1, description: 'how likely the two are one person, 0–1; at or above the likely_threshold setting' }),
    evidence: Type.Array(LikelyEvidence),
  },
  { title: 'LikelyDuplicate', description: 'a contact that is likely the same person, with the score and why' },
);

export const likelyDuplicateRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.get(
    '/contacts/:id/duplicates',
    {
      schema: {
        operationId: 'listLikelyDuplicates',
        tags: ['contacts'],
        summary: 'Contacts that are likely the same person',
        description:
          'Active contacts scored at or above the likely_threshold setting, best first, each with the evidence: the fields compared, both values and how they compare. Never merged automatically: merge with POST /v1/contacts/merge, or run POST /v1/dedupe {"likely": true} for suggestions.',
        params: Type.Object({ id: Id }),
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10 })) }, { additionalProperties: false }),
        response: {
          200: Type.Object({ items: Type.Array(LikelyDuplicate) }, { title: 'LikelyDuplicateList', description: 'likely duplicates of the contact, best first' }),
          ...errorResponses,
        },
      },
    },
    async (request) => findLikelyDuplicates(store, request.projectId, request.params.id, request.query.limit ?? 10),
  );
};
