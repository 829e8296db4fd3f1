import { tracingChannel } from 'node:diagnostics_channel';
import { SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import {
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_SYSTEM_NAME,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '@opentelemetry/semantic-conventions';

/**
 * What ioredis 6 publishes on `ioredis:command`. Its `args` are only partly sanitised: keys and
 * every argument of EVAL/EVALSHA, GET, INCR... are kept, and the app's keys hold data (a sign-in's
 * rate-limit counter is `rate:login:login:<email>|<ip>`), so none of them is exported.
 */
interface CommandMessage {
  command: string;
  args: string[];
  database: number;
  serverAddress?: string;
  serverPort?: number;
  span?: Span;
  error?: unknown;
}

/**
 * Client spans for Redis commands from ioredis 6's own diagnostics channel. The
 * @opentelemetry/instrumentation-ioredis package patches ioredis where it is loaded, which for this
 * ESM app takes an import-in-the-middle loader (module.register, deprecated from Node 26, with a
 * cost on every import); the channel needs no patching, and costs nothing while nobody listens.
 * Like that instrumentation, a command outside any trace (the sweeper's, the health check's
 * PINGs) makes no span of its own. Returns a function that stops listening.
 */
export function traceRedisCommands(
  tracer: Tracer = trace.getTracer('eventflow-redis'),
): () => void {
  const channel = tracingChannel<CommandMessage, CommandMessage>('ioredis:command');
  const handlers = {
    start(message: CommandMessage) {
      if (trace.getActiveSpan() === undefined) return;
      message.span = tracer.startSpan(message.command, {
        kind: SpanKind.CLIENT,
        attributes: {
          [ATTR_DB_SYSTEM_NAME]: 'redis',
          [ATTR_DB_OPERATION_NAME]: message.command,
          [ATTR_DB_QUERY_TEXT]: [message.command, ...message.args.map(() => '?')].join(' '),
          [ATTR_SERVER_ADDRESS]: message.serverAddress,
          [ATTR_SERVER_PORT]: message.serverPort,
          [ATTR_DB_NAMESPACE]: String(message.database),
        },
      });
    },
    error(message: CommandMessage) {
      message.span?.setStatus({ code: SpanStatusCode.ERROR, message: String(message.error) });
    },
    asyncEnd(message: CommandMessage) {
      message.span?.end();
    },
  };
  channel.subscribe(handlers as Parameters<typeof channel.subscribe>[0]);
  return () => channel.unsubscribe(handlers as Parameters<typeof channel.subscribe>[0]);
}
