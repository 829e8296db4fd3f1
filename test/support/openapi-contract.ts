import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import addFormatsModule from 'ajv-formats';
import { OpenAPIBackend, type Document } from 'openapi-backend';

// CommonJS whose `default` is the export itself: the same under tsc and under Jest's SWC.
const addFormats = addFormatsModule.default;

/** One answer the service gave, as a client saw it. */
export interface Exchange {
  method: string;
  /** The path as requested, with its query string. */
  url: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body; anything for other media types. */
  body: unknown;
}

type Responses = Record<string, { content?: Record<string, { schema?: unknown }> }>;

/**
 * The committed openapi.json, checked against real answers by openapi-backend (openapistack's
 * router and Ajv-based response validator): the operation the request names, the status among
 * the documented ones, the content type among that status's media types, the body against its
 * schema, and the documented headers against theirs.
 *
 * openapi-backend validates `application/json` bodies only; the copy it is given here holds, under
 * that key, every media type's schema of an answer (one of them must match), and the content type
 * itself is checked against the document as written.
 */
export class OpenApiContract {
  private constructor(
    private readonly document: { paths: Record<string, Record<string, { responses: Responses }>> },
    private readonly backend: OpenAPIBackend,
  ) {}

  static async load(): Promise<OpenApiContract> {
    const text = readFileSync(join(__dirname, '..', '..', 'openapi.json'), 'utf8');
    const document = JSON.parse(text) as OpenApiContract['document'];
    const forValidation = JSON.parse(text) as OpenApiContract['document'];
    for (const methods of Object.values(forValidation.paths)) {
      for (const operation of Object.values(methods)) {
        for (const response of Object.values(operation.responses)) {
          const schemas = Object.values(response.content ?? {})
            .map((media) => media.schema)
            .filter(Boolean);
          if (schemas.length > 0) {
            response.content = {
              'application/json': {
                schema: schemas.length === 1 ? schemas[0] : { anyOf: schemas },
              },
            };
          }
        }
      }
    }
    const backend = new OpenAPIBackend({
      definition: forValidation as unknown as Document,
      strict: true,
      validate: true,
      customizeAjv: (ajv) => {
        addFormats(ajv);
        return ajv;
      },
    });
    await backend.init();
    return new OpenApiContract(document, backend);
  }

  /** What is wrong with an answer, or nothing; an answer to a path the document lacks is not its business. */
  check(exchange: Exchange): string[] {
    const [path, query = ''] = exchange.url.split('?');
    const operation = this.backend.matchOperation({
      method: exchange.method,
      path,
      query,
      headers: {},
    });
    if (!operation) return [];
    const name = `${exchange.method} ${path} → ${exchange.status}`;
    const documented = this.document.paths[operation.path][operation.method].responses;
    const response = documented[String(exchange.status)];
    if (!response) return [`${name}: status not documented for ${operation.operationId}`];
    const problems: string[] = [];
    if (exchange.headers['x-request-id'] === undefined) problems.push(`${name}: no X-Request-Id`);
    const mediaTypes = Object.keys(response.content ?? {});
    const contentType = String(exchange.headers['content-type'] ?? '')
      .split(';')[0]
      .trim();
    if (mediaTypes.length === 0) {
      if (contentType) problems.push(`${name}: a body (${contentType}) where none is documented`);
      return problems;
    }
    if (!mediaTypes.includes(contentType)) {
      problems.push(
        `${name}: content type ${contentType || 'none'}, documented ${mediaTypes.join(', ')}`,
      );
      return problems;
    }
    if (/json$/.test(contentType)) {
      const body = this.backend.validateResponse(exchange.body, operation, exchange.status);
      for (const error of body.errors ?? []) {
        problems.push(
          `${name}: body ${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`,
        );
      }
    }
    const headers = this.backend.validateResponseHeaders(exchange.headers, operation, {
      statusCode: exchange.status,
    });
    for (const error of headers.errors ?? []) {
      problems.push(`${name}: header ${error.instancePath} ${error.message ?? ''}`);
    }
    return problems;
  }
}
