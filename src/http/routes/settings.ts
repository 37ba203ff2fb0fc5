import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Store } from '../../store/database.js';
import { changeSettings } from '../../usecases/change-settings.js';
import { getSettings } from '../../usecases/get-settings.js';
import { errorResponses, Settings, SettingsChange } from '../schemas.js';

export const settingsRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.get(
    '/settings',
    { schema: { operationId: 'getSettings', tags: ['settings'], summary: "The project's settings", response: { 200: Type.Ref(Settings), ...errorResponses } } },
    async (request) => getSettings(store.db, request.projectId),
  );

  app.put(
    '/settings',
    {
      schema: {
        operationId: 'changeSettings',
        tags: ['settings'],
        summary: 'Change settings',
        description: 'Only the fields given change.',
        body: SettingsChange,
        response: { 200: Type.Ref(Settings), ...errorResponses },
      },
    },
    async (request) => changeSettings(store, request.projectId, request.body),
  );
};
