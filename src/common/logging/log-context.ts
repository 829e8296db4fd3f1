import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The request a piece of work belongs to, carried through every await of that request, so a
 * service's log line (through Nest's Logger) names the request id like the access line does.
 */
export const logContext = new AsyncLocalStorage<{ requestId: string }>();
