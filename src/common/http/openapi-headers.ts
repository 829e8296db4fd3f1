import type {
  HeaderObject,
  OpenAPIObject,
  OperationObject,
  ReferenceObject,
  ResponseObject,
} from '@nestjs/swagger';

const HEADERS: Record<string, HeaderObject> = {
  RequestId: {
    description:
      'The id of the request: the one the client sent in X-Request-Id when plain (1 to 128 of `A-Z a-z 0-9 _ . : -`), else a new UUID. Quote it in a report.',
    schema: { type: 'string', maxLength: 128 },
  },
  RetryAfter: {
    description: 'Seconds to wait before sending the request again.',
    schema: { type: 'integer', minimum: 1 },
  },
  Location: {
    description: 'The path of what the request made.',
    schema: { type: 'string', format: 'uri-reference' },
  },
  IdempotentReplayed: {
    description:
      'Present (`true`) when this is the stored answer of an earlier request with the same Idempotency-Key, sent again.',
    schema: { type: 'string', enum: ['true'] },
  },
};

const ref = (name: string): ReferenceObject => ({ $ref: `#/components/headers/${name}` });

/** The limits that count requests, by the suffix of their headers ('' for the per-client one). */
const LIMITS: Record<string, string> = {
  '': 'the per-client limit',
  login: 'the sign-in limit (per account and client)',
  purchase: 'the purchase limit (per account)',
  probe: 'the health and metrics limit (per client)',
};

/** X-RateLimit-Limit/-Remaining/-Reset of each limit, named `RateLimit<Part><Group>`. */
function rateLimitComponents(): Record<string, HeaderObject> {
  const components: Record<string, HeaderObject> = {};
  for (const [group, what] of Object.entries(LIMITS)) {
    const suffix = group.charAt(0).toUpperCase() + group.slice(1);
    components[`RateLimitLimit${suffix}`] = {
      description: `Requests allowed per window by ${what}.`,
      schema: { type: 'integer' },
    };
    components[`RateLimitRemaining${suffix}`] = {
      description: `Requests left in the current window of ${what}.`,
      schema: { type: 'integer' },
    };
    components[`RateLimitReset${suffix}`] = {
      description: `Seconds until the window of ${what} starts over.`,
      schema: { type: 'integer' },
    };
  }
  return components;
}

function rateLimitHeaders(group: string): Record<string, ReferenceObject> {
  const suffix = group.charAt(0).toUpperCase() + group.slice(1);
  const named = group ? `-${group}` : '';
  return {
    [`X-RateLimit-Limit${named}`]: ref(`RateLimitLimit${suffix}`),
    [`X-RateLimit-Remaining${named}`]: ref(`RateLimitRemaining${suffix}`),
    [`X-RateLimit-Reset${named}`]: ref(`RateLimitReset${suffix}`),
  };
}

type DescribedOperation = OperationObject & {
  'x-rate-limited'?: boolean;
  'x-rate-limit-group'?: string;
};

/**
 * The headers of every answer: X-Request-Id on all; Retry-After on 429 and 503; Location on
 * 201; Idempotent-Replayed where an Idempotency-Key is accepted; the rate-limit headers of each
 * limit that counts the operation.
 */
export function describeResponseHeaders(document: OpenAPIObject): OpenAPIObject {
  document.components ??= {};
  document.components.headers = {
    ...document.components.headers,
    ...HEADERS,
    ...rateLimitComponents(),
  };
  for (const path of Object.values(document.paths)) {
    for (const operation of Object.values(path) as DescribedOperation[]) {
      describeOperation(operation);
    }
  }
  return document;
}

function describeOperation(operation: DescribedOperation): void {
  const idempotent = (operation.parameters ?? []).some(
    (parameter) => 'name' in parameter && parameter.name === 'Idempotency-Key',
  );
  const group = operation['x-rate-limit-group'];
  const limits = {
    ...(operation['x-rate-limited'] === false || group === 'probe' ? {} : rateLimitHeaders('')),
    ...(group ? rateLimitHeaders(group) : {}),
  };
  for (const [status, response] of Object.entries(operation.responses) as [
    string,
    ResponseObject,
  ][]) {
    const headers: Record<string, HeaderObject | ReferenceObject> = {
      'X-Request-Id': ref('RequestId'),
    };
    if (status === '429' || status === '503') headers['Retry-After'] = ref('RetryAfter');
    if (status === '201') headers.Location = ref('Location');
    if (idempotent && /^[24]/.test(status))
      headers['Idempotent-Replayed'] = ref('IdempotentReplayed');
    if (/^[24]/.test(status) && status !== '429') Object.assign(headers, limits);
    response.headers = { ...response.headers, ...headers };
  }
}
