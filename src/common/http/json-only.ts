import type { FastifyInstance } from 'fastify';
import { DomainError } from '../errors/domain-error.js';

const JSON_MEDIA_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;

/**
 * The API speaks JSON only. Refusing other bodies up front (415) also closes the "simple request"
 * route by which a browser form could post text/plain or urlencoded data cross-site.
 */
export function refuseNonJsonBodies(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request) => {
    const hasBody =
      request.headers['content-length'] !== undefined && request.headers['content-length'] !== '0';
    const chunked = request.headers['transfer-encoding'] !== undefined;
    const type = request.headers['content-type'];
    if ((hasBody || chunked) && (type === undefined || !JSON_MEDIA_TYPE.test(type))) {
      throw new DomainError(
        415,
        'unsupported-media-type',
        'Unsupported Media Type',
        'Send the body as application/json.',
      );
    }
  });
}
