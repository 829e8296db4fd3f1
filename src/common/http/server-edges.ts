import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { resolveSecurityHeaders } from '@nestjs/core/security/security-headers.js';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { AppConfig } from '../../config/app-config.js';
import { DomainError } from '../errors/domain-error.js';
import { sendProblem } from '../errors/problem-details.filter.js';
import { PROBLEM_CONTENT_TYPE, problemType } from '../errors/problem-details.js';
import { REQUEST_ID_HEADER } from './request-context.js';

/**
 * The answers Fastify and Node give before a request reaches Nest: a URL that cannot be read, a
 * path parameter too long, headers too large, a request too slow, bytes that are not HTTP, and
 * requests that arrive while the server drains. Each is a problem document like every other
 * answer, with a request id, the security headers, and a log line.
 */

/** The same headers `app.useSecurityHeaders()` (helmet 8's defaults) puts on every answer. */
const SECURITY_HEADERS = resolveSecurityHeaders().headers;

export interface ServerEdgeOptions {
  clientErrorHandler: (error: Error & { code?: string }, socket: Socket) => void;
  frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void;
  return503OnClosing: false;
  requestTimeout: number;
  keepAliveTimeout: number;
  http: { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number };
}

/** Fastify's server options for the edges above, from the validated config. */
export function serverEdgeOptions(config: AppConfig, logger: Logger): ServerEdgeOptions {
  const { requestTimeoutMs, headersTimeoutMs, keepAliveTimeoutMs } = config.http;
  return {
    clientErrorHandler: (error, socket) => answerClientError(error, socket, logger),
    frameworkErrors: (error, request, reply) => {
      for (const [name, value] of SECURITY_HEADERS) void reply.header(name, value);
      void reply.header(REQUEST_ID_HEADER, request.id);
      sendProblem(error, request, reply);
      request.log.info(
        { method: request.method, route: 'unmatched', status: reply.statusCode, code: error.code },
        'request answered',
      );
    },
    // Draining is answered by refuseWhileDraining, as a problem document.
    return503OnClosing: false,
    // A request (headers and body) must arrive whole within this; a body trickled byte by byte
    // is cut with a 408 instead of holding a connection and its parser for as long as it likes.
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: keepAliveTimeoutMs,
    http: {
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      // How often Node checks those timeouts (30 s by default, which would double them).
      connectionsCheckingInterval: Math.min(1_000, headersTimeoutMs),
    },
  };
}

const CLIENT_ERRORS: Record<string, { status: number; code: string; detail: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    code: 'request-timeout',
    detail: 'The request did not arrive in time.',
  },
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'headers-too-large',
    detail: 'The request headers are larger than this API accepts.',
  },
};
const MALFORMED_REQUEST = {
  status: 400,
  code: 'malformed-request',
  detail: 'The request is not well-formed HTTP.',
};

/**
 * Node's parser refused the bytes before there was a request to answer: the answer is written to
 * the socket by hand, then the connection is closed (what follows the bad bytes cannot be trusted).
 */
function answerClientError(error: Error & { code?: string }, socket: Socket, logger: Logger): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, code, detail } = CLIENT_ERRORS[error.code ?? ''] ?? MALFORMED_REQUEST;
  const requestId = randomUUID();
  const body = JSON.stringify({
    type: problemType(code),
    title: STATUS_CODES[status],
    status,
    detail,
    code,
    requestId,
  });
  logger.info(
    {
      requestId,
      route: 'unmatched',
      status,
      code: error.code,
      remoteAddress: socket.remoteAddress,
    },
    'request answered',
  );
  if (socket.writable) {
    const headers = [
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
      `Content-Type: ${PROBLEM_CONTENT_TYPE}`,
      `Content-Length: ${Buffer.byteLength(body)}`,
      `${REQUEST_ID_HEADER}: ${requestId}`,
      'Connection: close',
      ...SECURITY_HEADERS.map(([name, value]) => `${name}: ${value}`),
    ];
    socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
  }
  socket.destroySoon();
}

const DRAINING = Symbol('eventflow:draining');
type Drainable = FastifyInstance & { [DRAINING]?: boolean };

/**
 * Once the server is stopping, a request that still arrives (on a keep-alive connection, or
 * pipelined) is answered 503 with Retry-After and `Connection: close`, so the client retries on
 * another instance, instead of starting work this one may not finish.
 */
export function refuseWhileDraining(fastify: FastifyInstance): void {
  fastify.addHook('preClose', (done) => {
    startDraining(fastify);
    done();
  });
  // Callback hooks, not async ones: these run on every request, and a promise each costs.
  fastify.addHook('onRequest', (_request, reply, done) => {
    if (!(fastify as Drainable)[DRAINING]) return done();
    void reply.header('connection', 'close');
    done(
      new DomainError(
        503,
        'shutting-down',
        'Service Unavailable',
        'This instance is shutting down; send the request again.',
        {},
        { 'Retry-After': '1' },
      ),
    );
  });
}

/** Called as shutdown begins, before Nest's hooks run and long before Fastify itself closes. */
export function startDraining(fastify: FastifyInstance): void {
  (fastify as Drainable)[DRAINING] = true;
}

/**
 * A known path asked with a method it does not have is a 405 naming the methods it has
 * (RFC 9110 §15.5.6), not a 404 that says the resource does not exist.
 */
export function answerWrongMethods(fastify: FastifyInstance): void {
  const routes: { pattern: RegExp; method: string }[] = [];
  fastify.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const pattern = new RegExp(
      `^${route.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:\w+/g, '[^/]+')}/?$`,
    );
    for (const method of methods) routes.push({ pattern, method });
  });
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (!request.is404) return done();
    const path = request.url.split('?')[0] ?? '';
    const allowed = [
      ...new Set(routes.filter((route) => route.pattern.test(path)).map((r) => r.method)),
    ];
    if (allowed.length === 0) return done();
    done(
      new DomainError(
        405,
        'method-not-allowed',
        'Method Not Allowed',
        `${request.method} is not a method of ${path}; use ${allowed.join(', ')}.`,
        {},
        { Allow: allowed.join(', ') },
      ),
    );
  });
}
