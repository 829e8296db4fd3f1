import type { LoggerService } from '@nestjs/common';
import { pino, type Logger } from 'pino';
import type { AppConfig } from '../../config/app-config.js';
import { PinoPretty as pinoPretty } from 'pino-pretty';
import { activeTrace, tracingEnabled } from '../../infrastructure/tracing/active-trace.js';
import { logContext } from './log-context.js';

/**
 * Secrets never reach a log line: credentials in bodies, tokens in headers. Bodies are not logged
 * at all; the redaction is the second line of defence for anything that logs an object anyway.
 * Exact paths only: pino's `*.` wildcards cost about 7 µs on every line (measured), a third of the
 * whole logging cost of a request, to guard fields that no log call writes.
 */
const SECRET_FIELDS = [
  'password',
  'passwordHash',
  'accessToken',
  'refreshToken',
  'paymentToken',
  'authorization',
];
const REDACTED_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((field) => `body.${field}`),
  ...SECRET_FIELDS.map((field) => `req.body.${field}`),
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
];

/**
 * pino's ISO time, formatted once per millisecond: under load many lines share a millisecond, and
 * formatting the date was a measurable share of each request's log line.
 */
let stampedAt = 0;
let stamp = '';
function isoTime(): string {
  const now = Date.now();
  if (now !== stampedAt) {
    stampedAt = now;
    stamp = `,"time":"${new Date(now).toISOString()}"`;
  }
  return stamp;
}

type LoggerConfig = Pick<AppConfig, 'logLevel'> &
  Partial<Pick<AppConfig, 'logFormat' | 'googleCloudProject'>>;

/** pino's levels as Cloud Logging's severities (trace has no counterpart: DEBUG). */
const SEVERITY: Record<string, string> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};

export const CLOUD_TRACE_FIELD = 'logging.googleapis.com/trace';

/**
 * Cloud Logging's structured-log fields from pino's own options (messageKey, formatters.level,
 * a mixin), rather than @google-cloud/pino-logging-gcp-config: that package brings
 * @google-cloud/logging (google-gax, gRPC, about 40 MB) into the production image for these few
 * renames. The trace is the active span's, else the one read from the request's headers.
 */
function cloudLoggingOptions(project: string | undefined): pino.LoggerOptions {
  return {
    messageKey: 'message',
    formatters: { level: (label) => ({ severity: SEVERITY[label] ?? 'DEFAULT' }) },
    mixin: () => {
      const trace = activeTrace() ?? logContext.getStore()?.trace;
      // A new object each time: pino merges the line's own fields into it.
      if (trace === undefined) return {};
      // Cloud Logging links a line to its trace only through the full resource name.
      if (project === undefined) return { traceId: trace.traceId, spanId: trace.spanId };
      return {
        [CLOUD_TRACE_FIELD]: `projects/${project}/traces/${trace.traceId}`,
        'logging.googleapis.com/spanId': trace.spanId,
        'logging.googleapis.com/trace_sampled': trace.sampled,
      };
    },
  };
}

/** pino's JSON; with tracing on, each line written under a span names it. */
function jsonOptions(): pino.LoggerOptions {
  return {
    formatters: { level: (label) => ({ level: label }) },
    ...(tracingEnabled() && {
      mixin: () => {
        const trace = activeTrace() ?? logContext.getStore()?.trace;
        return trace === undefined ? {} : { traceId: trace.traceId, spanId: trace.spanId };
      },
    }),
  };
}

/** One readable line per entry, coloured when it goes to a terminal. */
function prettyStream(destination: pino.DestinationStream | undefined): pino.DestinationStream {
  return pinoPretty({
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
    ...(destination === undefined ? { sync: true } : { destination, colorize: false }),
  });
}

export function createLogger(config: LoggerConfig, destination?: pino.DestinationStream): Logger {
  const format = config.logFormat ?? 'json';
  return pino(
    {
      level: config.logLevel,
      base: { service: 'eventflow' },
      timestamp: isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      ...(format === 'gcp' ? cloudLoggingOptions(config.googleCloudProject) : jsonOptions()),
    },
    format === 'pretty' ? prettyStream(destination) : destination,
  );
}

/**
 * Nest writes a line per route mapped and per module loaded (about 45 at start): detail for a
 * debugging session, not for every start, so they go at debug level whatever the format.
 */
const START_UP_DETAIL = new Set(['RouterExplorer', 'RoutesResolver', 'InstanceLoader']);

/**
 * Lets Nest's own messages and every service's `Logger` go through the same JSON logger. A line
 * written while serving a request carries its id (Fastify's request logger already binds it).
 */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string): void {
    if (context !== undefined && START_UP_DETAIL.has(context)) {
      this.logger.debug(fields({ context }), String(message));
    } else {
      this.logger.info(fields({ context }), String(message));
    }
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error(fields({ context, trace }), String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn(fields({ context }), String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug(fields({ context }), String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace(fields({ context }), String(message));
  }
}

function fields(base: Record<string, unknown>): Record<string, unknown> {
  const requestId = logContext.getStore()?.requestId;
  return requestId ? { ...base, requestId } : base;
}
