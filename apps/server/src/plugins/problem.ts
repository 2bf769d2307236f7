import type { Socket } from 'node:net';
import { type AppErrorCode, isAppError, statusOfCode } from '@rabita/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

/** Codes the HTTP edge adds for failures that happen before a service runs. */
type EdgeCode =
  | 'malformed_json'
  | 'malformed_multipart'
  | 'headers_too_large'
  | 'request_timeout'
  | 'cross_origin_request'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'route_not_found'
  | 'bad_request'
  | 'uri_too_long'
  | 'not_ready'
  | 'server_busy'
  | 'internal_error';

/**
 * The one place service error codes become HTTP statuses: each module declares its codes' statuses in its
 * manifest (modules/index.ts checks at compile time that every code has one).
 */
export function statusFor(code: AppErrorCode): number {
  return statusOfCode(code);
}

const LOCATIONS = /^(body|querystring|params|headers)(\.|$)/;

/**
 * Where in the request a service's field came from: services name a field or a path inside the input
 * (`email`, `records.3.phones`); the edge adds the part of the request it was in — the route's `errorsIn`, else
 * the body for a request that has one and the query string otherwise.
 */
export function located(request: FastifyRequest, field: string): string {
  if (LOCATIONS.test(field)) return field;
  const where =
    request.routeOptions.config.errorsIn ??
    (['POST', 'PUT', 'PATCH'].includes(request.method) ? 'body' : 'querystring');
  return field ? `${where}.${field}` : where;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

interface ProblemInput {
  status: number;
  code: AppErrorCode | EdgeCode;
  detail: string;
  errors?: { field: string; message: string }[] | undefined;
}

/** Sends an RFC 9457 problem document. */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: ProblemInput) {
  return reply
    .code(problem.status)
    .type('application/problem+json; charset=utf-8')
    .serializer(JSON.stringify)
    .send({
      type: `urn:rabita:problem:${problem.code}`,
      title: TITLES[problem.status] ?? 'Error',
      status: problem.status,
      detail: problem.detail,
      code: problem.code,
      instance: request.url.split('?')[0],
      requestId: request.id,
      ...(problem.errors ? { errors: problem.errors } : {}),
    });
}

function fieldPath(context: string | undefined, instancePath: string): string {
  const path = instancePath.replace(/^\//, '').replaceAll('/', '.');
  return [context ?? 'body', path].filter(Boolean).join('.');
}

/** Errors Fastify raises before routing (a malformed URL, an over-long path segment), as problem+json. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return sendProblem(request, reply, {
      status: 414,
      code: 'uri_too_long',
      detail: 'A part of the address is longer than any id or name this API uses.',
    });
  }
  return sendProblem(request, reply, {
    status: 400,
    code: 'bad_request',
    detail: 'The address is malformed.',
  });
}

/** Busboy's own errors for a form without a boundary, or cut short: plain Errors, known only by their messages. */
const MULTIPART_MESSAGES =
  /^(Multipart: Boundary not found|Boundary required|Unexpected end of multipart data|.* terminated early due to unexpected end of multipart data|Malformed part header|Unsupported Content-Type\.)$/;

function isMultipartError(request: FastifyRequest, error: FastifyError): boolean {
  if (error.code === 'FST_MP_PREMATURE_CLOSE' || error.code === 'FST_PROTO_VIOLATION') return true;
  return request.isMultipart?.() === true && !error.statusCode && MULTIPART_MESSAGES.test(error.message);
}

/**
 * Errors Node's HTTP parser answers before Fastify sees a request: a request line and headers over 16 KB (431), or
 * a malformed request (400), as problem documents written straight to the socket.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nothing left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (!socket.writable) return void socket.destroy();
  const [status, code, detail]: [number, EdgeCode, string] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [
          431,
          'headers_too_large',
          'The address and headers are larger than 16 KB; send long filters in the body (POST /objects/{object}/query).',
        ]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request_timeout', 'The request was not received in time.']
        : [400, 'bad_request', 'The request is malformed.'];
  const body = JSON.stringify({
    type: `urn:rabita:problem:${code}`,
    title: TITLES[status],
    status,
    detail,
    code,
  });
  socket.end(
    `HTTP/1.1 ${status} ${TITLES[status]}\r\nContent-Type: application/problem+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

const BUSY_RETRY_AFTER_SECONDS = 2;

/**
 * A request that found no database connection in time: every connection of the pool stayed busy for its whole wait
 * or a new one did not open in time (node-postgres says either only in its message), or PostgreSQL itself refused a new connection for now (too many
 * connections, 53300; starting up or shutting down, 57P03).
 */
export function isDatabaseBusy(error: { message?: string; code?: string }): boolean {
  return (
    error.message === 'timeout exceeded when trying to connect' ||
    error.message === 'Connection terminated due to connection timeout' ||
    error.code === '53300' ||
    error.code === '57P03'
  );
}

/** Renders every error (services', validation, parsing, unknown routes) as problem+json. */
export function registerProblemHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isAppError(error)) {
      if (error.retryAfterSeconds) reply.header('retry-after', String(error.retryAfterSeconds));
      return sendProblem(request, reply, {
        status: statusFor(error.code),
        code: error.code,
        detail: error.message,
        errors: error.errors?.map((e) => ({ ...e, field: located(request, e.field) })),
      });
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const errors = error.validation.map((v) => ({
        field: fieldPath(error.validationContext, v.instancePath),
        message: v.message ?? 'Invalid value.',
      }));
      return sendProblem(request, reply, {
        status: 400,
        code: 'validation_failed',
        detail: `The request has ${errors.length} invalid field${errors.length === 1 ? '' : 's'}: ${[...new Set(errors.map((e) => e.field))].join(', ')}.`,
        errors,
      });
    }
    switch (error.code) {
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return sendProblem(request, reply, {
          status: 400,
          code: 'malformed_json',
          detail: 'The body is not valid JSON.',
        });
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return sendProblem(request, reply, {
          status: 415,
          code: 'unsupported_media_type',
          detail: 'Send the body as application/json.',
        });
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendProblem(request, reply, {
          status: 413,
          code: 'payload_too_large',
          detail: 'The body is larger than this endpoint accepts.',
        });
    }
    if (isMultipartError(request, error)) {
      return sendProblem(request, reply, {
        status: 400,
        code: 'malformed_multipart',
        detail:
          'The body is not a complete multipart/form-data form (with its boundary in the Content-Type).',
      });
    }
    if (error instanceof SyntaxError) {
      return sendProblem(request, reply, {
        status: 400,
        code: 'malformed_json',
        detail: 'The body is not valid JSON.',
      });
    }
    if (isDatabaseBusy(error)) {
      // Not the request's fault and not a defect: the server is saturated. Said so, with when to ask again, so a
      // client (the web app's call card among them) retries instead of showing a failure as an answer.
      request.log.warn({ err: error }, 'no database connection in time');
      reply.header('retry-after', String(BUSY_RETRY_AFTER_SECONDS));
      return sendProblem(request, reply, {
        status: 503,
        code: 'server_busy',
        detail: `The server is too busy to answer now; try again in ${BUSY_RETRY_AFTER_SECONDS} seconds.`,
      });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return sendProblem(request, reply, { status, code: 'bad_request', detail: error.message });
    }
    request.log.error({ err: error }, 'request failed');
    return sendProblem(request, reply, {
      status: 500,
      code: 'internal_error',
      detail: `Something went wrong on the server; quote request id ${request.id} when reporting it.`,
    });
  });
}
