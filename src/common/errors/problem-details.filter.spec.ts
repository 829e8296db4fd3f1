import { NotFoundException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from './domain-error.js';
import { sendProblem } from './problem-details.filter.js';

function capture(error: unknown) {
  const sent: { status?: number; headers: Record<string, string>; body?: Record<string, unknown> } =
    { headers: {} };
  const reply = {
    status(code: number) {
      sent.status = code;
      return this;
    },
    header(name: string, value: string) {
      sent.headers[name.toLowerCase()] = value;
      return this;
    },
    send(body: Record<string, unknown>) {
      sent.body = body;
      return this;
    },
  } as unknown as FastifyReply;
  const logged: unknown[] = [];
  const request = {
    id: 'req-1',
    url: '/api/things/1?secret=1',
    log: {
      error: (...args: unknown[]) => logged.push(args),
      warn: (...args: unknown[]) => logged.push(args),
    },
  } as unknown as FastifyRequest;
  sendProblem(error, request, reply);
  return { sent, logged };
}

describe('sendProblem (the one error filter)', () => {
  it('answers an unexpected error with a bare 500: no message, stack or SQL of its own', () => {
    const error = new Error(
      'duplicate key value violates "users_pkey" in SELECT password_hash FROM users',
    );
    const { sent, logged } = capture(error);
    expect(sent.status).toBe(500);
    expect(sent.headers['content-type']).toBe('application/problem+json');
    const text = JSON.stringify(sent.body);
    for (const leak of ['password_hash', 'SELECT', 'users_pkey', 'at ', '.ts:'])
      expect(text).not.toContain(leak);
    expect(sent.body).toMatchObject({
      status: 500,
      code: 'internal-error',
      requestId: 'req-1',
      instance: '/api/things/1',
    });
    expect(logged).toHaveLength(1);
  });

  it('renders a domain error with its extensions, which can never overwrite a standard member', () => {
    const { sent } = capture(
      new DomainError(
        409,
        'sold-out',
        'Conflict',
        'None left.',
        { available: 0, status: 'PAID', type: 'x' },
        { 'Retry-After': '2' },
      ),
    );
    expect(sent.status).toBe(409);
    expect(sent.body).toMatchObject({
      status: 409,
      type: 'urn:eventflow:problem:sold-out',
      available: 0,
      detail: 'None left.',
    });
    expect(sent.headers['retry-after']).toBe('2');
  });

  it('keeps Nest’s own 4xx as problem details', () => {
    const { sent } = capture(new NotFoundException('Cannot GET /api/nowhere'));
    expect(sent.status).toBe(404);
    expect(sent.body).toMatchObject({ status: 404, code: 'not-found', title: 'Not Found' });
  });

  it('turns database faults into a retryable 503, not a 500', () => {
    const { sent } = capture(
      Object.assign(new Error('terminating connection due to administrator command'), {
        code: '57P01',
      }),
    );
    expect(sent.status).toBe(503);
    expect(sent.headers['retry-after']).toBe('1');
  });

  /** Shaped as Prisma 7 raises them through @prisma/adapter-pg. */
  const prismaError = (code: string, cause: Record<string, unknown>) =>
    Object.assign(new Error('Invalid invocation'), {
      code,
      meta: { driverAdapterError: Object.assign(new Error(String(cause.kind)), { cause }) },
    });

  it.each([
    [
      'a raw query that cannot reach the server (P2010)',
      prismaError('P2010', { kind: 'DatabaseNotReachable' }),
    ],
    ['a connection closed under a query', prismaError('P2010', { kind: 'ConnectionClosed' })],
    ['a transaction that could not start or expired (P2028)', prismaError('P2028', {})],
    [
      'object_not_in_prerequisite_state (55000)',
      prismaError('P2010', { kind: 'postgres', originalCode: '55000' }),
    ],
    ['admin shutdown (57P01)', prismaError('P2010', { kind: 'postgres', originalCode: '57P01' })],
  ])('answers %s with 503 and Retry-After', (_name, error) => {
    const { sent } = capture(error);
    expect(sent.status).toBe(503);
    expect(sent.headers['retry-after']).toBe('1');
    expect(sent.body).toMatchObject({ code: 'service-unavailable' });
  });

  it('answers text PostgreSQL cannot store (22021, a NUL byte) with 400, should one get past validation', () => {
    const { sent } = capture(prismaError('P2010', { kind: 'postgres', originalCode: '22021' }));
    expect(sent.status).toBe(400);
  });
});
