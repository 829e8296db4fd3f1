import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { TEST_REDIS_URL } from '../../../test/support/environment.js';
import { TcpProxy } from '../../../test/support/tcp-proxy.js';
import { RedisGenerationalCache } from './redis-generational-cache.js';

/**
 * Against the real Redis: instance A reaches it through a proxy the test cuts, instance B
 * directly, both sharing one namespace as two instances of a deployment do.
 */
describe('RedisGenerationalCache when an invalidation cannot reach Redis', () => {
  let proxy: TcpProxy;
  let clientA: Redis;
  let clientB: Redis;
  let namespace: string;
  let recorded: number;
  let recordFails: boolean;
  let a: RedisGenerationalCache;
  let b: RedisGenerationalCache;

  beforeEach(async () => {
    const target = new URL(TEST_REDIS_URL);
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 6379));
    const options = {
      enableOfflineQueue: false,
      commandTimeout: 200,
      maxRetriesPerRequest: 0,
      retryStrategy: () => 50,
    };
    clientA = new Redis({ ...options, host: '127.0.0.1', port: proxy.port });
    clientB = new Redis(TEST_REDIS_URL, options);
    clientA.on('error', () => undefined);
    await Promise.all([ready(clientA), ready(clientB)]);
    namespace = `eventflow-unit:${randomBytes(4).toString('hex')}:listing`;
    recorded = 0;
    recordFails = false;
    a = new RedisGenerationalCache(clientA, namespace, 300, 200, async () => {
      if (recordFails) throw new Error('database unreachable too');
      recorded += 1;
    });
    b = new RedisGenerationalCache(clientB, namespace, 300, 200);
  });

  afterEach(async () => {
    // Reconnected first, so the clients close cleanly instead of leaving a reconnect pending.
    proxy.forward();
    if (!proxy.listening) await proxy.accept();
    await ready(clientA);
    await Promise.all([clientA.quit(), clientB.quit()]);
    await proxy.close();
  });

  it('records the lost invalidation, and A reads past the cache until it has delivered it', async () => {
    await warm(b, 'k', 'old');
    await warm(a, 'k', 'old');
    await proxy.refuse();

    await a.invalidate();
    expect(recorded).toBe(1);
    expect(await a.read('k')).toEqual({ status: 'unavailable' });
    expect(await a.reachable()).toBe(false);
    // B still trusts the old generation: only the recorded job (deliverRecorded) fixes that.
    expect(await b.read('k')).toEqual({ status: 'hit', value: Buffer.from('old') });

    await proxy.accept();
    await waitFor(async () => (await a.read('k')).status !== 'unavailable');
    // A bumped the generation itself once Redis answered: neither instance has the old entry.
    expect((await a.read('k')).status).toBe('miss');
    expect((await b.read('k')).status).toBe('miss');
    expect(await a.reachable()).toBe(true);
  });

  it('the recorded invalidation, delivered by another instance, ends the old entries for all', async () => {
    await warm(b, 'k', 'old');
    await proxy.refuse();
    await a.invalidate();

    await b.deliverRecorded();
    expect((await b.read('k')).status).toBe('miss');
    // Delivered twice (at-least-once jobs) costs nothing but one more miss.
    await b.deliverRecorded();
    const miss = await b.read('k');
    expect(miss.status).toBe('miss');
    if (miss.status !== 'miss') return;
    await b.write('k', miss.generation, Buffer.from('new'));
    expect(await b.read('k')).toEqual({ status: 'hit', value: Buffer.from('new') });
  });

  it('a cut-off instance cannot deliver a recorded invalidation: it throws, so the job is retried', async () => {
    await proxy.refuse();
    await expect(a.deliverRecorded()).rejects.toThrow();
    expect(await a.reachable()).toBe(false);
  });

  it('when neither Redis nor the database takes it, invalidate still does not throw', async () => {
    await warm(a, 'k', 'old');
    await proxy.refuse();
    recordFails = true;
    await expect(a.invalidate()).resolves.toBeUndefined();
    expect(await a.read('k')).toEqual({ status: 'unavailable' });
  });

  it('with Redis hanging rather than refusing, the invalidation is recorded as well', async () => {
    await warm(a, 'k', 'old');
    proxy.blackhole();
    await a.invalidate();
    expect(recorded).toBe(1);
    expect(await a.read('k')).toEqual({ status: 'unavailable' });
    // The connection looks open, but the failed call says Redis does not answer.
    expect(await a.reachable()).toBe(false);
    proxy.forward();
    await waitFor(() => a.reachable());
  });

  it('while Redis hangs, reachable answers no at once, behind one PING for all who ask', async () => {
    const pings: { settled: boolean }[] = [];
    const ping = clientA.ping.bind(clientA);
    jest.spyOn(clientA, 'ping').mockImplementation(() => {
      const sent = { settled: false };
      pings.push(sent);
      return ping().finally(() => (sent.settled = true));
    });
    proxy.blackhole();
    await a.invalidate();

    const answers = await Promise.all(Array.from({ length: 20 }, () => a.reachable()));
    expect(answers.every((answer) => !answer)).toBe(true);
    // Answered while the one PING was still out: a job fetch never waits on it.
    expect(pings).toEqual([{ settled: false }]);
    await waitFor(async () => pings[0].settled);
    // The failed PING's answer stands for a while: no PING per job fetch either.
    expect(await a.reachable()).toBe(false);
    expect(pings).toHaveLength(1);

    proxy.forward();
    await waitFor(() => a.reachable());
  });

  it('a healthy instance is reachable without a call, and records nothing', async () => {
    await a.invalidate();
    expect(recorded).toBe(0);
    expect(await a.reachable()).toBe(true);
  });
});

async function warm(cache: RedisGenerationalCache, key: string, value: string): Promise<void> {
  const read = await cache.read(key);
  if (read.status === 'miss') await cache.write(key, read.generation, Buffer.from(value));
  expect(await cache.read(key)).toEqual({ status: 'hit', value: Buffer.from(value) });
}

async function ready(client: Redis): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve) => client.once('ready', () => resolve()));
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
