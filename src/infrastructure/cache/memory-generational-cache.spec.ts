import { MemoryGenerationalCache } from './memory-generational-cache.js';

describe('MemoryGenerationalCache', () => {
  it('serves what was written under the current generation until it expires', async () => {
    let now = 1_000;
    const cache = new MemoryGenerationalCache(30, 10, () => now);
    const miss = await cache.read('k');
    expect(miss.status).toBe('miss');
    if (miss.status !== 'miss') return;
    await cache.write('k', miss.generation, Buffer.from('v'));
    expect(await cache.read('k')).toEqual({ status: 'hit', value: Buffer.from('v') });
    now += 30_001;
    expect((await cache.read('k')).status).toBe('miss');
  });

  it('never serves a value computed before an invalidation', async () => {
    const cache = new MemoryGenerationalCache(30);
    const before = await cache.read('k');
    if (before.status !== 'miss') throw new Error('expected a miss');
    await cache.invalidate();
    await cache.write('k', before.generation, Buffer.from('stale'));
    expect((await cache.read('k')).status).toBe('miss');
  });

  it('stays bounded', async () => {
    const cache = new MemoryGenerationalCache(30, 3);
    for (const key of ['a', 'b', 'c', 'd']) await cache.write(key, '0', Buffer.from(key));
    expect(await cache.read('d')).toEqual({ status: 'hit', value: Buffer.from('d') });
    expect((await cache.read('a')).status).toBe('miss');
  });
});
