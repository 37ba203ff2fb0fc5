import type { SwaggerOptions } from '@fastify/swagger';

// The OpenAPI document at /openapi.json: the route schemas describe the calls; this file adds what the
// routes do not say and gives every answer body a name, so generated clients (sdk/) get named types.

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Schemas with a `title` (answers declared in a route file, pages, lists) become components named by it,
 * referenced where they were written inline. Two different schemas with one title are a mistake in the
 * routes, reported at once.
 */
export function nameTitledSchemas(document: Json): Json {
  const components = ((document.components ??= {}) as Json);
  const schemas = ((components.schemas ??= {}) as Record<string, Json>);

  const hoist = (node: unknown, isComponent: boolean): unknown => {
    if (Array.isArray(node)) return node.map((item) => hoist(item, false));
    if (!isObject(node)) return node;
    const walked: Json = {};
    for (const [key, value] of Object.entries(node)) walked[key] = key === 'example' || key === 'examples' || key === 'default' ? value : hoist(value, false);
    const title = walked.title;
    if (isComponent || typeof title !== 'string' || !('type' in walked || 'anyOf' in walked || 'oneOf' in walked || 'allOf' in walked)) return walked;
    const known = schemas[title];
    if (known === undefined) schemas[title] = walked;
    else if (JSON.stringify(known) !== JSON.stringify(walked)) throw new Error(`two different schemas are both titled "${title}"; give one another title`);
    return { $ref: `#/components/schemas/${title}` };
  };

  for (const [name, schema] of Object.entries(schemas)) schemas[name] = hoist(schema, true) as Json;
  document.paths = hoist(document.paths, false);
  return document;
}

export function openapiOptions(version: string): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'omnimerge',
        version,
        description:
          'One contact per person across messengers. Every /v1 call takes `Authorization: Bearer <api key>`; errors answer ' +
          '`{"error": {"code", "message"}}` with a message that says what to fix. Concepts, flows and the error codes: the docs/ folder of the repository.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      servers: [{ url: '/', description: 'the server that serves this document' }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'the API key of a project' },
          session: { type: 'apiKey', in: 'cookie', name: 'omnimerge_session', description: 'the web UI\'s sign-in cookie (POST /v1/sessions); writes also need the header X-Omnimerge-UI: 1' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transformObject: (documentObject) => nameTitledSchemas(('openapiObject' in documentObject ? documentObject.openapiObject : documentObject.swaggerObject) as Json) as never,
  };
}
