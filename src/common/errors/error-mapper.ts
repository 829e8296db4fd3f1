import { HttpException } from '@nestjs/common';
import { CommonErrors, DomainError } from './domain-error.js';
import type { ProblemCode } from './problem-catalog.js';

/**
 * Turns anything thrown while serving a request into a DomainError. Returns undefined for an
 * unexpected error: the caller answers 500 with nothing of the original message.
 */
export function toDomainError(error: unknown): DomainError | undefined {
  if (error instanceof DomainError) return error;
  // Nest wraps Fastify's own 4xx errors (bad JSON, too large a body) with the original as cause.
  if (error instanceof HttpException)
    return fromFastifyError(error.cause) ?? fromHttpException(error);
  return fromFastifyError(error) ?? fromDatabaseError(error);
}

const STATUS_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  431: 'Request Header Fields Too Large',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

/** The catalog's code for each 4xx Nest itself may raise (an unknown route is its NotFoundException). */
const HTTP_EXCEPTION_CODES: Record<number, ProblemCode> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  406: 'not-acceptable',
  408: 'request-timeout',
  413: 'body-too-large',
  414: 'uri-too-long',
  415: 'unsupported-media-type',
  429: 'rate-limited',
  431: 'headers-too-large',
};

function fromHttpException(error: HttpException): DomainError {
  const given = error.getStatus();
  if (given >= 500) return CommonErrors.unavailable('The service cannot answer right now.');
  const status = HTTP_EXCEPTION_CODES[given] ? given : 400;
  const code = HTTP_EXCEPTION_CODES[status];
  const title = STATUS_TITLES[status] ?? 'Bad Request';
  // Nest's own 4xx messages ("Cannot GET /x", "ThrottlerException: ...") are safe to show.
  const response = error.getResponse();
  const message =
    typeof response === 'object' && response !== null && 'message' in response
      ? String(response.message)
      : error.message;
  return new DomainError(status, code, title, message);
}

/** Errors Fastify raises before a route runs: malformed JSON, too large a body, bad media type. */
function fromFastifyError(error: unknown): DomainError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  if (typeof code !== 'string' || !code.startsWith('FST_') || typeof statusCode !== 'number') {
    return undefined;
  }
  const detail = FASTIFY_DETAILS[code];
  if (statusCode >= 500 || detail === undefined) {
    return statusCode >= 500
      ? undefined
      : new DomainError(statusCode, 'bad-request', 'Bad Request', 'The request could not be read.');
  }
  return new DomainError(
    statusCode,
    detail.code,
    STATUS_TITLES[statusCode] ?? 'Bad Request',
    detail.text,
  );
}

const FASTIFY_DETAILS: Record<string, { code: ProblemCode; text: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'malformed-json', text: 'The body is not valid JSON.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: 'malformed-json',
    text: 'The body is empty but declared as JSON.',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: 'body-too-large',
    text: 'The body is larger than this API accepts.',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'unsupported-media-type',
    text: 'Send the body as application/json.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'bad-request',
    text: 'Content-Length does not match the body.',
  },
  FST_ERR_BAD_URL: { code: 'malformed-url', text: 'The URL could not be read.' },
  FST_ERR_MAX_PARAM_LENGTH: {
    code: 'uri-too-long',
    text: 'A part of the path is longer than this API accepts.',
  },
};

/** SQLSTATE classes that mean "try again shortly" rather than "your request is wrong". */
const RETRYABLE_SQLSTATES = new Set([
  // object_not_in_prerequisite_state: a transaction or connection not (or no longer) usable.
  '55000',
  '40001',
  '40P01',
  '55P03',
  // statement_timeout, or a statement cancelled because its connection is going away.
  '57014',
  '25P03',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
]);
/**
 * Prisma's driver adapters name the failure (`kind`) where no SQLSTATE exists: a server that cannot
 * be reached, a connection cut, a transaction that outlived its timeout. Raw queries report these
 * as P2010, which is otherwise "a raw query failed", so the kind decides.
 */
const UNAVAILABLE_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'TlsConnectionError',
  'TransactionAlreadyClosed',
  'TransactionWriteConflict',
  // The server answers but will not serve us: an operator's fix, not the client's.
  'AuthenticationFailed',
  'DatabaseAccessDenied',
  'DatabaseDoesNotExist',
]);
const MALFORMED_VALUE_KINDS = new Set(['InvalidInputValue', 'ValueOutOfRange', 'LengthMismatch']);

const CONNECTION_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
]);

/**
 * The one place database failures become HTTP. Constraint violations that slipped past a service
 * check are conflicts (the database is the last guard); lost connections and a full pool are 503s.
 */
function fromDatabaseError(error: unknown): DomainError | undefined {
  const { prismaCode, sqlState, errno, adapterKind, message } = describeDatabaseError(error);
  if (
    prismaCode === 'P2002' ||
    sqlState === '23505' ||
    adapterKind === 'UniqueConstraintViolation'
  ) {
    return CommonErrors.conflict(
      'already-exists',
      'A record with the same unique value already exists.',
    );
  }
  if (
    prismaCode === 'P2003' ||
    sqlState === '23503' ||
    sqlState === '23514' ||
    prismaCode === 'P2004' ||
    adapterKind === 'ForeignKeyConstraintViolation' ||
    adapterKind === 'RestrictViolation'
  ) {
    return CommonErrors.conflict(
      'constraint-violated',
      'The change would break a rule of the data.',
    );
  }
  if (prismaCode === 'P2025') return CommonErrors.notFound('The record');
  if (
    sqlState === '22P02' ||
    sqlState === '22003' ||
    sqlState === '22007' ||
    sqlState === '22008' ||
    sqlState === '22001' ||
    sqlState === '22021' ||
    (adapterKind !== undefined && MALFORMED_VALUE_KINDS.has(adapterKind))
  ) {
    return CommonErrors.badRequest('A value in the request is out of range or malformed.');
  }
  // P2024: no connection in time; P2028: an interactive transaction could not start, or outlived
  // its timeout, because the database was too busy.
  const poolTimeout =
    prismaCode === 'P2024' ||
    prismaCode === 'P2028' ||
    /timeout exceeded when trying to connect/i.test(message);
  const unreachable =
    prismaCode === 'P1001' ||
    prismaCode === 'P1017' ||
    (sqlState !== undefined && RETRYABLE_SQLSTATES.has(sqlState)) ||
    (errno !== undefined && CONNECTION_ERRNOS.has(errno)) ||
    (adapterKind !== undefined && UNAVAILABLE_KINDS.has(adapterKind)) ||
    /Connection terminated|terminating connection|Client has encountered a connection error/i.test(
      message,
    );
  if (poolTimeout || unreachable) {
    return CommonErrors.unavailable('The database is busy or unreachable; try again shortly.', 1);
  }
  return undefined;
}

interface DatabaseErrorFacts {
  prismaCode?: string;
  sqlState?: string;
  errno?: string;
  /** A Prisma driver adapter's name for the failure (`DatabaseNotReachable`, …). */
  adapterKind?: string;
  message: string;
}

/** Prisma, its pg driver adapter and pg itself each nest the SQLSTATE differently. */
export function describeDatabaseError(error: unknown): DatabaseErrorFacts {
  const facts: DatabaseErrorFacts = { message: '' };
  let current: unknown = error;
  for (let depth = 0; depth < 6 && typeof current === 'object' && current !== null; depth++) {
    const node = current as Record<string, unknown>;
    if (typeof node.message === 'string' && facts.message === '') facts.message = node.message;
    if (typeof node.code === 'string') {
      if (/^P\d{4}$/.test(node.code)) facts.prismaCode ??= node.code;
      else if (/^[0-9A-Z]{5}$/.test(node.code)) facts.sqlState ??= node.code;
      else if (/^E[A-Z]+$/.test(node.code)) facts.errno ??= node.code;
    }
    if (typeof node.originalCode === 'string') facts.sqlState ??= node.originalCode;
    if (typeof node.kind === 'string' && node.kind !== 'postgres') facts.adapterKind ??= node.kind;
    const meta = node.meta as Record<string, unknown> | undefined;
    current = node.cause ?? meta?.driverAdapterError ?? undefined;
  }
  return facts;
}
