import type { FastifyInstance } from 'fastify';
import { DomainError } from '../errors/domain-error.js';

const JSON_MEDIA_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;

/**
 * The API speaks uncompressed JSON only. Refusing other bodies up front (415) also closes the
 * "simple request" route by which a browser form could post text/plain or urlencoded data
 * cross-site.
 */
export function refuseNonJsonBodies(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request) => {
    const hasBody =
      request.headers['content-length'] !== undefined && request.headers['content-length'] !== '0';
    const chunked = request.headers['transfer-encoding'] !== undefined;
    if (!hasBody && !chunked) return;
    const type = request.headers['content-type'];
    if (type === undefined || !JSON_MEDIA_TYPE.test(type)) {
      throw new DomainError(
        415,
        'unsupported-media-type',
        'Unsupported Media Type',
        'Send the body as application/json.',
      );
    }
    // Nothing here decompresses: a gzip body would be read as JSON text and fail as malformed, or
    // worse, pass in some other reading. Bodies are small; send them as they are.
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
      throw new DomainError(
        415,
        'unsupported-content-encoding',
        'Unsupported Media Type',
        'Send the body without a Content-Encoding (identity); compressed bodies are not read.',
        {},
        { 'Accept-Encoding': 'identity' },
      );
    }
  });
}
