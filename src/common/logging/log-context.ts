import { AsyncLocalStorage } from 'node:async_hooks';
import type { TraceIds } from '../../infrastructure/tracing/active-trace.js';

/**
 * The request a piece of work belongs to, carried through every await of that request, so a
 * service's log line (through Nest's Logger) names the request id like the access line does, and
 * its trace (read once per request, from the server span or the caller's trace headers).
 */
export const logContext = new AsyncLocalStorage<{ requestId: string; trace?: TraceIds }>();
