import type { INestApplication } from '@nestjs/common';
import { serializeContentSecurityPolicy } from '@nestjs/core/security/security-headers.js';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { METRICS_TOKEN_SCHEME } from '../auth/access.decorators.js';
import { describeResponseHeaders } from './openapi-headers.js';
import { describeRequestBodies } from './openapi-inputs.js';
import { describeWebhookPayloads } from '../../modules/webhooks/webhook-payloads.openapi.js';
import { describeProblems } from './openapi-problems.js';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('EventFlow API')
    .setDescription(
      [
        'Event management and ticket sales that never sells a ticket it does not have.',
        '',
        'Money is integer cents; times are RFC 3339 date-times with an offset (answers give UTC).',
        'Every error is RFC 9457 problem details (`application/problem+json`) with a stable `code`;',
        'each code has its own schema, with the members it adds. Lists take `page` and `limit`',
        '(at most 100). Every answer carries X-Request-Id.',
        '',
        'Authorization: Bearer takes either an access token from sign-in or an API key (`efk_…`).',
        'A key is accepted only by operations whose `x-api-key-scope` names a scope it carries.',
      ].join('\n'),
    )
    .setVersion('1.0')
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT or efk_ API key',
      description: 'An access token from sign-in, or an API key where the operation takes one.',
    })
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'METRICS_TOKEN',
        description: 'METRICS_TOKEN of the deployment, for Prometheus scrapes of /metrics.',
      },
      METRICS_TOKEN_SCHEME,
    )
    .addServer('/', 'This server')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  return describeWebhookPayloads(
    describeResponseHeaders(
      describeProblems(describeRequestBodies(declarePublicOperations(document))),
    ),
  );
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

/**
 * The API's strict policy (helmet 8's defaults) without `upgrade-insecure-requests`: with it, a
 * browser that opened /docs over plain HTTP on any host but localhost fetches the UI's scripts
 * and styles over https, gets nothing, and shows a blank page. Everything else stays: the UI's
 * scripts, styles and images are all served from /docs itself.
 */
export const DOCS_CONTENT_SECURITY_POLICY = serializeContentSecurityPolicy({
  directives: { upgradeInsecureRequests: null },
});

const isDocsPage = (url: string) =>
  url === '/docs' || url.startsWith('/docs/') || url.startsWith('/docs?');

/**
 * Swagger UI at /docs (its assets under /docs/) and the document at /docs-json and /docs-yaml.
 * Not called at all with DOCS_ENABLED=false, so every one of those paths is a 404 problem.
 */
export function serveOpenApi(app: INestApplication): void {
  // After the security hook of useSecurityHeaders (an earlier onRequest hook), so this one's value
  // is the one sent. Only the UI's own paths: the document and every API answer keep the full policy.
  const fastify = (app as NestFastifyApplication).getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    if (isDocsPage(request.url)) {
      reply.raw.setHeader('content-security-policy', DOCS_CONTENT_SECURITY_POLICY);
    }
    done();
  });
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: 'EventFlow API',
  });
}
