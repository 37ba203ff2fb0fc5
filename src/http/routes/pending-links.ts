import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Store } from '../../store/database.js';
import { listPendingLinks } from '../../usecases/list-pending-links.js';
import { revokeMergeLink } from '../../usecases/revoke-merge-link.js';
import { errorResponses, Id, Nullable, Timestamp } from '../schemas.js';

// A contact's pending merge links and codes (docs/links.md): list them, take one back.

const PendingLink = Type.Object(
  {
    id: Id,
    channel: Type.String(),
    bot_id: Id,
    bot_handle: Type.String({ description: 'the handle of the bot the link points to' }),
    has_token: Type.Boolean({ description: 'a link the client follows' }),
    has_code: Type.Boolean({ description: 'a code the client sends (its text is the contact\'s variables.text_to_merge_contact)' }),
    tag: Nullable(Type.String()),
    expires_at: Timestamp,
    created_at: Timestamp,
  },
  { title: 'PendingMergeLink', description: 'a merge link or code a client may still bring back' },
);

export const pendingLinkRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.get(
    '/contacts/:id/links',
    {
      schema: {
        operationId: 'listPendingMergeLinks',
        tags: ['links'],
        summary: "The contact's merge links and codes still pending, newest first",
        description: 'Not used, not replaced by a newer code, not expired or revoked.',
        params: Type.Object({ id: Id }),
        response: {
          200: Type.Object({ items: Type.Array(PendingLink) }, { title: 'PendingMergeLinks', description: "a contact's pending merge links and codes" }),
          ...errorResponses,
        },
      },
    },
    async (request) => listPendingLinks(store.db, request.projectId, request.params.id),
  );

  app.delete(
    '/contacts/:id/links/:linkId',
    {
      schema: {
        operationId: 'revokeMergeLink',
        tags: ['links'],
        summary: 'Take back a pending merge link or code',
        description: 'A client bringing it back from now on is told it expired. A code also leaves the contact\'s variables.text_to_merge_contact.',
        params: Type.Object({ id: Id, linkId: Id }),
        response: { 204: Type.Null({ description: 'revoked: the link no longer works' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      await revokeMergeLink(store, request.projectId, request.params.id, request.params.linkId);
      return reply.status(204).send(null);
    },
  );
};
