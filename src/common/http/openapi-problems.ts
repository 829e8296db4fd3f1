import {
  ApiResponse,
  type OpenAPIObject,
  type OperationObject,
  type ExampleObject,
  type ReferenceObject,
  type ResponseObject,
  type SchemaObject,
} from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE, problemType } from '../errors/problem-details.js';
import {
  PROBLEM_CODES,
  PROBLEMS,
  isProblemCode,
  type ProblemCode,
  type ProblemSpec,
} from '../errors/problem-catalog.js';

/** `sold-out` → `SoldOutProblem`: the component that describes the answers with that code. */
export function problemSchemaName(code: ProblemCode): string {
  return `${code.replace(/(^|-)(\w)/g, (_, _dash, letter: string) => letter.toUpperCase())}Problem`;
}

const refTo = (code: ProblemCode): ReferenceObject => ({
  $ref: `#/components/schemas/${problemSchemaName(code)}`,
});

/** The codes an answer of each status carries when an operation names none of its own. */
const DEFAULT_CODES: Partial<Record<number, ProblemCode[]>> = {
  400: ['validation-failed', 'bad-request', 'malformed-url'],
  401: ['unauthorized'],
  403: ['forbidden'],
  404: ['not-found'],
  413: ['body-too-large'],
  415: ['unsupported-media-type', 'unsupported-content-encoding'],
  429: ['rate-limited'],
  503: ['service-unavailable', 'shutting-down'],
};
const BODY_CODES: ProblemCode[] = ['malformed-json', 'too-deeply-nested'];

/**
 * An error answer of an operation, and the codes it can carry (each with the members it adds).
 * Without codes, the status's usual ones (`not-found` for 404, …).
 */
export const ApiProblem = (status: number, description: string, codes?: ProblemCode[]) => {
  const carried = codes ?? DEFAULT_CODES[status];
  if (!carried?.length) throw new Error(`ApiProblem(${status}) needs the codes it answers with`);
  for (const code of carried) {
    if (!(PROBLEMS[code].statuses as readonly number[]).includes(status)) {
      throw new Error(`Problem code ${code} is not answered with ${status}`);
    }
  }
  return ApiResponse({ status, description, schema: oneOfCodes(carried) });
};

function oneOfCodes(codes: ProblemCode[]): SchemaObject | ReferenceObject {
  return codes.length === 1 ? refTo(codes[0]) : { oneOf: codes.map(refTo) };
}

/**
 * The generic problem (`code` one of them all) and, built on it, one schema per code with the
 * members that code adds.
 */
export function problemComponents(): Record<string, SchemaObject> {
  const components: Record<string, SchemaObject> = {
    Problem: {
      type: 'object',
      description:
        'RFC 9457 problem details: the body of every error answer (`application/problem+json`). ' +
        '`code` is stable; each code has its own schema with the members it adds.',
      required: ['type', 'title', 'status', 'detail', 'code'],
      properties: {
        type: { type: 'string', format: 'uri', example: problemType('not-found') },
        title: { type: 'string', example: 'Not Found' },
        status: { type: 'integer', minimum: 400, maximum: 599 },
        detail: { type: 'string' },
        instance: { type: 'string', description: 'The path of the request.' },
        code: { type: 'string', enum: PROBLEM_CODES },
        requestId: { type: 'string', description: 'The X-Request-Id of the request, to quote.' },
      },
    },
  };
  for (const code of PROBLEM_CODES) {
    const spec: ProblemSpec = PROBLEMS[code];
    const extensions = spec.extensions ?? {};
    components[problemSchemaName(code)] = {
      allOf: [
        { $ref: '#/components/schemas/Problem' },
        {
          type: 'object',
          required: ['code', ...Object.keys(extensions)],
          properties: {
            type: { type: 'string', enum: [problemType(code)] },
            status: { type: 'integer', enum: [...spec.statuses] },
            code: { type: 'string', enum: [code] },
            ...(extensions as Record<string, SchemaObject>),
          },
        },
      ],
    };
  }
  return components;
}

/** `sold-out` at 409 → the name of its example in `components.examples`. */
function exampleName(code: ProblemCode, status: number): string {
  return `${problemSchemaName(code)}${status}`;
}

/** An example answer with this code and status, its members filled in from their schemas. */
function exampleOf(code: ProblemCode, status: number): Record<string, unknown> {
  const spec: ProblemSpec = PROBLEMS[code];
  const members = Object.fromEntries(
    Object.entries(spec.extensions ?? {}).map(([name, schema]) => [name, exampleValue(schema)]),
  );
  return {
    type: problemType(code),
    title: TITLES[status] ?? 'Error',
    status,
    detail: spec.detail,
    instance: '/api/orders',
    code,
    requestId: '3f9d8c1e-2b4a-4e6f-9a7b-1c2d3e4f5a6b',
    ...members,
  };
}

function exampleValue(schema: Record<string, unknown>): unknown {
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (schema.format === 'uuid') return '5b0c7a2e-8f1d-4c3b-9e6a-2d4f6b8a0c1e';
  if (schema.format === 'date-time') return '2027-06-01T18:00:00.000Z';
  if (schema.type === 'integer') return 1;
  if (schema.type === 'array') {
    const items = schema.items as { properties?: Record<string, { example?: unknown }> };
    return [
      Object.fromEntries(
        Object.entries(items.properties ?? {}).map(([name, property]) => [name, property.example]),
      ),
    ];
  }
  return 'text';
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** What the document says of an operation, beyond what its decorators wrote. */
interface OperationFacts {
  method: string;
  operation: OperationObject & {
    'x-access'?: string;
    'x-api-key-scope'?: string;
    'x-rate-limited'?: boolean;
    'x-uses-database'?: boolean;
  };
}

/**
 * Completes every operation's error answers: the ones every operation of its kind can give (400
 * for a URL or input that cannot be read, 401 and 403 by its access rule, 413 and 415 for a body,
 * 414 for a path parameter, 429 where a rate limit counts, 503 everywhere), each as `application/problem+json` with one
 * schema per code and an example per code.
 */
export function describeProblems(document: OpenAPIObject): OpenAPIObject {
  const used = new Set<string>();
  for (const path of Object.values(document.paths)) {
    for (const [method, operation] of Object.entries(path) as [
      string,
      OperationFacts['operation'],
    ][]) {
      completeOperation({ method, operation });
      for (const response of Object.values(operation.responses) as ResponseObject[]) {
        const problem = response.content?.[PROBLEM_CONTENT_TYPE];
        const status = Number(
          Object.keys(operation.responses).find((key) => operation.responses[key] === response),
        );
        for (const code of codesOf(problem?.schema)) used.add(`${code} ${status}`);
      }
    }
  }
  const schemas = problemComponents();
  const examples: Record<string, ExampleObject> = {};
  for (const entry of used) {
    const [code, status] = entry.split(' ') as [ProblemCode, string];
    examples[exampleName(code, Number(status))] = {
      summary: code,
      value: exampleOf(code, Number(status)),
    };
  }
  // Codes no operation answers with (405, 408, 414, 431: answered before routing) stay in the
  // generic schema's enum, without schemas of their own that nothing would use.
  const usedCodes = new Set([...used].map((entry) => entry.split(' ')[0] as ProblemCode));
  for (const code of PROBLEM_CODES) {
    if (!usedCodes.has(code)) delete schemas[problemSchemaName(code)];
  }
  document.components ??= {};
  document.components.schemas = { ...document.components.schemas, ...schemas };
  document.components.examples = { ...document.components.examples, ...examples };
  return document;
}

function completeOperation({ method, operation }: OperationFacts): void {
  const responses = operation.responses as Record<string, ResponseObject>;
  const hasBody = ['post', 'put', 'patch'].includes(method);
  const access = operation['x-access'];
  const standard: Record<number, ProblemCode[]> = {
    400: [...(DEFAULT_CODES[400] ?? []), ...(hasBody ? BODY_CODES : [])],
    503: operation['x-uses-database'] === false ? ['shutting-down'] : (DEFAULT_CODES[503] ?? []),
  };
  // A public operation that takes API keys refuses one that is unknown, revoked or expired.
  if (access === 'public' && operation['x-api-key-scope'] !== undefined) {
    standard[401] = ['unauthorized'];
    responses[401] ??= { description: 'An API key was sent that is unknown, revoked or expired.' };
  }
  // The metrics token is the only credential there: API keys are a 401 like any other.
  if (access === 'metrics-token') standard[401] = ['unauthorized'];
  if (access !== 'public' && access !== 'metrics-token') {
    standard[401] = ['unauthorized'];
    // An API key is refused where the route names no scope, or names one the key lacks.
    standard[403] = [
      ...(access === 'admin' ? (['forbidden'] as const) : []),
      operation['x-api-key-scope'] === undefined ? 'api-key-not-allowed' : 'api-key-scope-missing',
    ];
  }
  if (hasBody) {
    standard[413] = ['body-too-large'];
    standard[415] = DEFAULT_CODES[415] ?? [];
  }
  if (operation['x-rate-limited'] !== false) standard[429] = ['rate-limited'];
  if (
    (operation.parameters ?? []).some((parameter) => 'in' in parameter && parameter.in === 'path')
  ) {
    standard[414] = ['uri-too-long'];
  }
  const where = String(operation.operationId);
  for (const [status, codes] of Object.entries(standard)) {
    const response = (responses[status] ??= { description: STANDARD_DESCRIPTIONS[status] ?? '' });
    response.content = mergeProblemContent(response.content, codes, Number(status), where);
  }
  for (const [status, response] of Object.entries(responses)) {
    if (/^[45]/.test(status) && !(status in standard)) {
      response.content = mergeProblemContent(response.content, [], Number(status), where);
    }
  }
}

const STANDARD_DESCRIPTIONS: Record<string, string> = {
  400: 'The request cannot be read, or its input is not valid (`errors` lists each field).',
  401: 'No valid access token.',
  403: 'The caller may not do this (see `code`).',
  413: 'The body is larger than 64 KB.',
  414: 'A path parameter is longer than 1,000 characters.',
  415: 'The body is not JSON, or is compressed.',
  429: 'Too many requests from this client (or account); see Retry-After.',
  503: 'The database cannot be reached or is saturated, or this instance is shutting down; see Retry-After.',
};

/**
 * The problem content of an answer: the codes its decorator named and `extra`, one schema each,
 * with an example of each. Any other media type the decorator gave (the health check's own body
 * on its 503) stays beside it.
 */
function mergeProblemContent(
  content: ResponseObject['content'],
  extra: ProblemCode[],
  status: number,
  operationId: string,
): ResponseObject['content'] {
  const { 'application/json': declared, ...others } = content ?? {};
  const declaredCodes = declared ? codesOf(declared.schema) : [];
  const keepsOwnJson = declared !== undefined && declaredCodes.length === 0;
  const codes = [...new Set([...declaredCodes, ...extra])];
  if (codes.length === 0) {
    if (!declared)
      throw new Error(`${operationId}: the error answer ${status} names no problem codes`);
    return content;
  }
  return {
    ...(keepsOwnJson ? { 'application/json': declared } : {}),
    ...others,
    [PROBLEM_CONTENT_TYPE]: {
      schema: oneOfCodes(codes),
      examples: Object.fromEntries(
        codes.map((code) => [code, { $ref: `#/components/examples/${exampleName(code, status)}` }]),
      ),
    },
  };
}

/** The codes a schema built by ApiProblem names; none for any other schema. */
function codesOf(schema: SchemaObject | ReferenceObject | undefined): ProblemCode[] {
  if (!schema) return [];
  const refs = '$ref' in schema ? [schema] : ((schema.oneOf ?? []) as ReferenceObject[]);
  return refs
    .map((ref) => PROBLEM_CODES.find((code) => ref.$ref === refTo(code).$ref))
    .filter((code): code is ProblemCode => code !== undefined && isProblemCode(code));
}
