import { connect, type AddressInfo, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createLogger } from '../src/common/logging/logger.js';
import { startDraining } from '../src/common/http/server-edges.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { createUser, PASSWORD } from './support/users.js';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends bytes exactly as given and reads the answer until the server closes the connection. */
function exchange(port: number, bytes: string, { endAfterMs = 10_000 } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => socket.destroy(), endAfterMs);
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const parsed = parseAnswer(text);
      if (parsed) resolve(parsed);
      else reject(new Error(`no HTTP answer: ${JSON.stringify(text.slice(0, 200))}`));
    });
    socket.write(bytes);
  });
}

function parseAnswer(text: string): RawAnswer | undefined {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body: text.slice(end + 4) };
}

const request = (method: string, path: string, extra = '') =>
  `${method} ${path} HTTP/1.1\r\nHost: localhost\r\n${extra}Connection: close\r\n\r\n`;

/** Answers Fastify and Node give before Nest sees a request, and the server's guard against slow clients. */
describe('HTTP edges (e2e, raw sockets)', () => {
  let db: TestDatabase;
  let api: TestApp;
  let port: number;
  const logLines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) {
          logLines.push(JSON.parse(line) as Record<string, unknown>);
        }
        done();
      },
    });
    api = await startTestApp(db, {
      logger: createLogger({ logLevel: 'info' }, sink),
      env: {
        HTTP_REQUEST_TIMEOUT_MS: '1500',
        HTTP_HEADERS_TIMEOUT_MS: '1000',
        PROBE_THROTTLE_LIMIT: '50',
        PROBE_THROTTLE_TTL: '60',
      },
    });
    const server = api.app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const expectProblem = (answer: RawAnswer, status: number, code: string) => {
    expect(answer.status).toBe(status);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(answer.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['content-security-policy']).toContain("default-src 'self'");
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    expect(body).toMatchObject({
      type: `urn:eventflow:problem:${code}`,
      status,
      code,
      requestId: answer.headers['x-request-id'],
    });
    expect(
      logLines.some((line) => line.requestId === body.requestId && line.status === status),
    ).toBe(true);
  };

  it.each([
    ['a URL that cannot be decoded', request('GET', '/api/events/%zz'), 400, 'malformed-url'],
    [
      'an over-long path parameter',
      request('GET', `/api/events/${'a'.repeat(2_000)}`),
      414,
      'uri-too-long',
    ],
    [
      'headers larger than accepted',
      request('GET', '/api/health', `X-Big: ${'a'.repeat(20_000)}\r\n`),
      431,
      'headers-too-large',
    ],
    [
      'a Content-Length that is not a number',
      request('POST', '/api/auth/login', 'Content-Length: abc\r\n'),
      400,
      'malformed-request',
    ],
    [
      'both Content-Length and chunked framing',
      `POST /api/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nzzz\r\n`,
      400,
      'malformed-request',
    ],
    ['bytes that are not HTTP', 'HELLO THERE\r\n\r\n', 400, 'malformed-request'],
  ])(
    '%s: a problem document with request id, security headers and a log line',
    async (_name, bytes, status, code) => {
      expectProblem(await exchange(port, bytes), status, code);
    },
  );

  it('a body trickled byte by byte is cut with a 408 after the request timeout', async () => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('error', () => undefined);
    socket.write(
      'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
    );
    const trickle = setInterval(() => socket.writable && socket.write(' '), 100);
    try {
      await new Promise<void>((resolve) => socket.on('close', () => resolve()));
    } finally {
      clearInterval(trickle);
    }
    const answer = parseAnswer(text);
    expect(answer).toBeDefined();
    expectProblem(answer!, 408, 'request-timeout');
  });

  it('a thousand trickling connections from one client leave health and sign-in answering', async () => {
    const buyer = await createUser(api, db, 'USER');
    const sockets: Socket[] = [];
    for (let i = 0; i < 1_000; i++) {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write(
        'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
      );
      sockets.push(socket);
    }
    const trickle = setInterval(() => {
      for (const socket of sockets) if (socket.writable) socket.write(' ');
    }, 200);
    try {
      const health = await api.http.get('/api/health');
      expect(health.status).toBe(200);
      const signIn = await api.http
        .post('/api/auth/login')
        .send({ email: buyer.email, password: PASSWORD });
      expect(signIn.status).toBe(200);
      // And the server cuts them all, rather than holding them for as long as they trickle.
      await Promise.all(
        sockets.map(
          (socket) =>
            new Promise<void>((resolve) =>
              socket.destroyed ? resolve() : socket.on('close', () => resolve()),
            ),
        ),
      );
    } finally {
      clearInterval(trickle);
      for (const socket of sockets) socket.destroy();
    }
  });

  it('a known path with a wrong method is a 405 with Allow', async () => {
    for (const [method, path, allow] of [
      ['POST', '/api/health', 'GET, HEAD'],
      ['PUT', '/api/events', 'GET, HEAD, POST'],
      ['DELETE', '/api/orders/3f1c2a8e-3f4b-4c5d-9e6f-0a1b2c3d4e5f', 'GET, HEAD'],
      ['GET', '/api/orders/3f1c2a8e-3f4b-4c5d-9e6f-0a1b2c3d4e5f/pay', 'POST'],
    ] as const) {
      const res = await api.http[method.toLowerCase() as 'post'](path);
      expect({ method, path, status: res.status, allow: res.headers.allow }).toEqual({
        method,
        path,
        status: 405,
        allow,
      });
      expect(res.body).toMatchObject({ status: 405, code: 'method-not-allowed' });
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    expect((await api.http.post('/api/nowhere')).status).toBe(404);
  });

  it('HEAD answers as GET does, without a body', async () => {
    for (const path of [
      '/api/health',
      '/api/events',
      '/metrics',
      '/api/events/3f1c2a8e-3f4b-4c5d-9e6f-0a1b2c3d4e5f',
    ]) {
      const get = await api.http.get(path);
      const head = await api.http.head(path);
      expect({ path, status: head.status }).toEqual({ path, status: get.status });
      expect(head.headers['content-type']).toBe(get.headers['content-type']);
      expect(head.text ?? '').toBe('');
    }
  });

  it('health and metrics answer a flood from one client with 429 after a generous limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) statuses.push((await api.http.get('/api/health')).status);
    expect(statuses.slice(0, 10).every((status) => status === 200)).toBe(true);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThan(0);
    const flooded = await api.http.get('/api/health');
    expect(flooded.status).toBe(429);
    expect(flooded.headers['retry-after']).toMatch(/^\d+$/);
    expect(flooded.body).toMatchObject({ status: 429 });
    // The buyers' routes have their own counters.
    expect((await api.http.get('/api/events')).status).toBe(200);
  });

  it('while draining, a request on an open connection is a 503 problem with Retry-After and Connection: close', async () => {
    const fastify = api.app.getHttpAdapter().getInstance();
    startDraining(fastify);
    const answer = await exchange(port, request('GET', '/api/events'));
    expectProblem(answer, 503, 'shutting-down');
    expect(answer.headers['retry-after']).toBe('1');
    expect(answer.headers.connection).toBe('close');
  });
});
