import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../domain/errors.js';
import { databaseFault } from '../store/faults.js';

// Every failure answers {"error": {"code", "message"}} with a message that says what to fix.

interface AjvIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

function describeValidation(context: string, issues: AjvIssue[]): string {
  const issue = issues[0];
  const at = `${context}${issue.instancePath.replace(/\//g, '.')}`;
  switch (issue.keyword) {
    case 'required':
      return `${at} is missing the field "${issue.params.missingProperty}"`;
    case 'additionalProperties':
      return `${at} has an unknown field "${issue.params.additionalProperty}"`;
    case 'format':
      return `${at} must be a ${issue.params.format}`;
    default:
      return `${at} ${issue.message}`;
  }
}

export function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.status(status).send({ error: { code, message } });
}

export function handleError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof DomainError) return sendError(reply, err.status, err.code, err.message);
  if (err.validation) {
    return sendError(reply, 400, 'invalid_request', describeValidation(err.validationContext ?? 'request', err.validation as AjvIssue[]));
  }
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return sendError(reply, 400, 'invalid_json', `the body is not valid JSON: ${err.message}`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return sendError(reply, 413, 'payload_too_large', 'the body is larger than 1 MB');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return sendError(reply, 415, 'unsupported_media_type', 'send the body as application/json');
  }
  if (err instanceof SyntaxError || (err.statusCode === 400 && /JSON/i.test(err.message))) {
    return sendError(reply, 400, 'invalid_json', `the body is not valid JSON: ${err.message}`);
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return sendError(reply, err.statusCode, 'invalid_request', err.message);
  }
  // the database is away (logged once per outage by the store, not per request): ask the client to come back
  const fault = databaseFault(err);
  if (fault) return sendError(reply.header('retry-after', '1'), 503, fault.code, fault.message);
  request.log.error({ err }, 'request failed');
  return sendError(reply, 500, 'internal_error', 'the server failed to handle this request; it has been logged');
}
