import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, ERROR_STATUS, type ErrorCode } from '../domain/errors.js';
import { JSON_LIMITS_KEYWORD } from './input-guards.js';
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
    case JSON_LIMITS_KEYWORD:
      return `${at} ${issue.message}; see the API limits in the docs`;
    default:
      return `${at} ${issue.message}`;
  }
}

export function sendError(reply: FastifyReply, status: number, code: ErrorCode, message: string): FastifyReply {
  return reply.status(status).send({ error: { code, message } });
}

export function handleError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof DomainError) return sendError(reply, err.status, err.code, err.message);
  if (err.validation) {
    const code = (err.validation as AjvIssue[])[0]?.keyword === JSON_LIMITS_KEYWORD ? 'invalid_json_shape' : 'invalid_request';
    return sendError(reply, 400, code, describeValidation(err.validationContext ?? 'request', err.validation as AjvIssue[]));
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

// Fastify's own refusals, before a route is found: answered in the same shape as everything else.
const FRAMEWORK_ERRORS: Record<string, { code: ErrorCode; message: (err: FastifyError) => string }> = {
  FST_ERR_BAD_URL: { code: 'invalid_url', message: () => 'the path is not valid percent-encoding (e.g. %ff); encode it as UTF-8' },
  FST_ERR_MAX_PARAM_LENGTH: { code: 'uri_too_long', message: () => 'a path segment is longer than 100 characters; ids this API gives out are 36' },
};

export function handleFrameworkError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const known = FRAMEWORK_ERRORS[err.code];
  if (known) return sendError(reply, ERROR_STATUS[known.code], known.code, known.message(err));
  return handleError(err, request, reply);
}

// Node refuses some requests before Fastify sees them (headers over 16 KB, a malformed request line, a
// client that is too slow); the answer is written on the socket, still in the error shape.
const CLIENT_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  HPE_HEADER_OVERFLOW: { code: 'header_too_large', message: 'the request headers are larger than 16 KB' },
  ERR_HTTP_REQUEST_TIMEOUT: { code: 'request_timeout', message: 'the request took too long to arrive' },
};

export function handleClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const { code, message } = CLIENT_ERRORS[err.code ?? ''] ?? { code: 'bad_request' as const, message: 'the request is not valid HTTP' };
  const status = ERROR_STATUS[code];
  const body = JSON.stringify({ error: { code, message } });
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}
