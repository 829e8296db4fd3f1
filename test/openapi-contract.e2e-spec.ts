import { OpenApiContract } from './support/openapi-contract.js';

/** The check every e2e answer goes through (see test-app.ts) finds what is wrong, and only that. */
describe('Answers checked against openapi.json', () => {
  let contract: OpenApiContract;
  const id = '5b0c7a2e-8f1d-4c3b-9e6a-2d4f6b8a0c1e';
  const headers = { 'x-request-id': 'r-1', 'content-type': 'application/problem+json' };
  const notFound = {
    type: 'urn:eventflow:problem:not-found',
    title: 'Not Found',
    status: 404,
    detail: 'The order was not found.',
    instance: `/api/orders/${id}`,
    code: 'not-found',
    requestId: 'r-1',
  };

  beforeAll(async () => {
    contract = await OpenApiContract.load();
  });

  it('accepts an answer as documented', () => {
    expect(
      contract.check({
        method: 'GET',
        url: `/api/orders/${id}`,
        status: 404,
        headers,
        body: notFound,
      }),
    ).toEqual([]);
  });

  it('refuses a status the operation does not document, a 500 above all', () => {
    expect(
      contract.check({ method: 'GET', url: `/api/orders/${id}`, status: 500, headers, body: {} }),
    ).toEqual([expect.stringContaining('status not documented for getOrder')]);
  });

  it('refuses a code the status does not carry, and a missing member', () => {
    const wrongCode = contract.check({
      method: 'GET',
      url: `/api/orders/${id}`,
      status: 404,
      headers,
      body: { ...notFound, code: 'sold-out' },
    });
    expect(wrongCode.length).toBeGreaterThan(0);
    const soldOutWithoutAvailable = contract.check({
      method: 'POST',
      url: '/api/orders',
      status: 409,
      headers,
      body: {
        ...notFound,
        status: 409,
        type: 'urn:eventflow:problem:sold-out',
        code: 'sold-out',
        ticketTypeId: id,
      },
    });
    expect(soldOutWithoutAvailable.join()).toMatch(/body/);
  });

  it('refuses an undocumented content type, a missing X-Request-Id and a mistyped header', () => {
    expect(
      contract.check({
        method: 'GET',
        url: `/api/orders/${id}`,
        status: 404,
        headers: { ...headers, 'content-type': 'application/json' },
        body: notFound,
      }),
    ).toEqual([expect.stringContaining('content type application/json')]);
    expect(
      contract.check({
        method: 'GET',
        url: `/api/orders/${id}`,
        status: 404,
        headers: { 'content-type': 'application/problem+json' },
        body: notFound,
      }),
    ).toEqual([expect.stringContaining('no X-Request-Id')]);
    expect(
      contract
        .check({
          method: 'GET',
          url: '/api/events',
          status: 429,
          headers: { ...headers, 'retry-after': 'soon' },
          body: {
            ...notFound,
            status: 429,
            type: 'urn:eventflow:problem:rate-limited',
            code: 'rate-limited',
          },
        })
        .join(),
    ).toMatch(/header/);
  });

  it('refuses a body off its schema, and leaves paths the document lacks alone', () => {
    expect(
      contract.check({
        method: 'GET',
        url: '/api/events?limit=5',
        status: 200,
        headers: { 'x-request-id': 'r', 'content-type': 'application/json' },
        body: { data: [{ id: 42 }], meta: {} },
      }).length,
    ).toBeGreaterThan(0);
    expect(
      contract.check({ method: 'GET', url: '/nowhere', status: 404, headers, body: {} }),
    ).toEqual([]);
  });
});
