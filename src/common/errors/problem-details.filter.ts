import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toDomainError } from './error-mapper.js';
import { PROBLEM_CONTENT_TYPE, problemType, type ProblemDetails } from './problem-details.js';

/**
 * Builds the RFC 9457 answer for any error. Unexpected errors are logged in full and answered
 * with a bare 500: no message, stack or SQL of theirs reaches the client.
 */
export function sendProblem(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const known = toDomainError(error);
  const instance = request.url.split('?')[0] ?? '/';
  let body: ProblemDetails;
  if (known) {
    // Extensions first: they can never overwrite a standard member such as `status`.
    body = {
      ...known.extensions,
      type: problemType(known.code),
      title: known.title,
      status: known.status,
      detail: known.detail,
      instance,
      code: known.code,
      requestId: request.id,
    };
    for (const [name, value] of Object.entries(known.headers)) void reply.header(name, value);
    if (known.status >= 500) request.log.warn({ err: error }, 'request failed: %s', known.detail);
  } else {
    request.log.error({ err: error }, 'unexpected error');
    body = {
      type: problemType('internal-error'),
      title: 'Internal Server Error',
      status: 500,
      detail: 'Something went wrong on our side. Quote the request id when you report it.',
      instance,
      code: 'internal-error',
      requestId: request.id,
    };
  }
  void reply.status(body.status).header('content-type', PROBLEM_CONTENT_TYPE).send(body);
}

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(error, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }
}
