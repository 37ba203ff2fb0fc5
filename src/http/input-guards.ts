import type { Ajv } from 'ajv';
import type { DataValidateFunction } from 'ajv/dist/types/index.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from '../domain/errors.js';
import { BODY_MAX_DEPTH, findNonFiniteNumber, jsonShapeProblem, jsonTextDepth, type JsonLimits } from '../domain/json-limits.js';
import { findBadText } from '../domain/text.js';

// Hostile input stops here, before any use case or the database sees it: absurd nesting before JSON.parse
// recurses, text PostgreSQL cannot store (NUL, lone surrogates), numbers JSON cannot carry, and free JSON
// fields past their limits (docs/api-limits.md).

/** The schema keyword that holds a free JSON field to JSON_LIMITS; its value is the limits, so /openapi.json shows them. */
export const JSON_LIMITS_KEYWORD = 'x-json-limits';

/** Teaches an Ajv instance the free-JSON-field keyword. */
export function addJsonLimitsKeyword(ajv: Ajv): void {
  const validate: DataValidateFunction = (limits: JsonLimits, data: unknown) => {
    const problem = jsonShapeProblem(data, limits);
    validate.errors = problem ? [{ keyword: JSON_LIMITS_KEYWORD, message: problem, params: { limits } }] : undefined;
    return problem === null;
  };
  ajv.addKeyword({ keyword: JSON_LIMITS_KEYWORD, schemaType: 'object', errors: true, validate });
}

/** Depth refused before JSON.parse, so no body of any route can make the parser or the database recurse deeply. */
export function refuseDeepJson(text: string): void {
  const depth = jsonTextDepth(text, BODY_MAX_DEPTH);
  if (depth > BODY_MAX_DEPTH) throw new DomainError('invalid_json_shape', `the body nests objects and arrays deeper than ${BODY_MAX_DEPTH} levels`);
}

/** application/json bodies: the depth check on the raw text, then Fastify's own parser (which refuses __proto__ poisoning). */
// any logger and type provider: the guards read only the request
type AnyFastify = FastifyInstance<any, any, any, any, any>;

export function useGuardedJsonParser(app: AnyFastify): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    try {
      refuseDeepJson(typeof body === 'string' ? body : body.toString('utf8'));
    } catch (err) {
      return done(err as Error, undefined);
    }
    parse(request, body as string, done);
  });
}

const PARTS = [
  { part: 'body', describe: (field: string) => field },
  { part: 'query', describe: (field: string) => `query parameter ${field}` },
  { part: 'params', describe: (field: string) => `path parameter ${field}` },
] as const;

/** Text and numbers in the body, query and path, checked for every route before its schema is. */
export function refuseUnstorableInput(request: FastifyRequest): void {
  for (const { part, describe } of PARTS) {
    const value = request[part];
    if (value === undefined || value === null || Buffer.isBuffer(value)) continue; // messenger webhooks: raw bytes, cleaned after their signature is checked
    const bad = findBadText(value);
    if (bad) throw new DomainError('invalid_text', `${describe(bad.field)} ${bad.problem}; remove it`);
    if (part === 'body') {
      const field = findNonFiniteNumber(value);
      if (field) throw new DomainError('invalid_request', `${field} is a number too large for JSON (it reads as Infinity); send a number within the field's range`);
    }
  }
}

export function guardInput(app: AnyFastify): void {
  useGuardedJsonParser(app);
  app.addHook('preValidation', async (request) => refuseUnstorableInput(request));
}
