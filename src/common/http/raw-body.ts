import type { FastifyRequest } from 'fastify';

const RAW_BODY = Symbol('eventflow:raw-body');
type WithRawBody = FastifyRequest & { [RAW_BODY]?: Buffer };

/**
 * The body exactly as it arrived, kept beside the parsed one for what must check it byte for byte
 * (a webhook's signature is computed over these bytes, not over any re-serialised JSON).
 */
export function keepRawBody(request: FastifyRequest, body: Buffer): void {
  (request as WithRawBody)[RAW_BODY] = body;
}

export function rawBodyOf(request: FastifyRequest): Buffer | undefined {
  return (request as WithRawBody)[RAW_BODY];
}
