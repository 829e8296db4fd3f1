import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from '../errors/problem-details.js';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('EventFlow API')
    .setDescription(
      [
        'Event management and ticket sales that never sells a ticket it does not have.',
        '',
        'Money is integer cents; times are ISO 8601 UTC. Every error is RFC 9457 problem details',
        '(`application/problem+json`). Lists take `page` and `limit` (at most 100).',
      ].join('\n'),
    )
    .setVersion('1.0')
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .addServer('/', 'This server')
    .build();
  return describeProblemAnswers(declarePublicOperations(SwaggerModule.createDocument(app, config)));
}

/** Error answers are served as application/problem+json (RFC 9457); the document says so. */
function describeProblemAnswers(document: OpenAPIObject): OpenAPIObject {
  for (const path of Object.values(document.paths)) {
    for (const operation of Object.values(path)) {
      const responses = (
        operation as { responses?: Record<string, { content?: Record<string, unknown> }> }
      ).responses;
      for (const [status, response] of Object.entries(responses ?? {})) {
        const json = response.content?.['application/json'];
        if (/^[45]/.test(status) && json) response.content = { [PROBLEM_CONTENT_TYPE]: json };
      }
    }
  }
  return document;
}

/**
 * Public operations say so explicitly (`security: []`), so a reader, or a linter, can tell
 * "anyone may call this" from "forgot to say who may" (every route declares its rule: x-access).
 */
function declarePublicOperations(document: OpenAPIObject): OpenAPIObject {
  for (const path of Object.values(document.paths)) {
    for (const value of Object.values(path) as unknown[]) {
      const operation = value as { 'x-access'?: unknown; security?: unknown[] } | null;
      if (operation?.['x-access'] === 'public') operation.security = [];
    }
  }
  return document;
}

/** Swagger UI at /docs and the document at /docs-json. */
export function serveOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: 'EventFlow API',
  });
}
