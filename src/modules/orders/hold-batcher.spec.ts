import { loadConfig } from '../../config/load-config.js';
import { HoldBatcher } from './hold-batcher.js';
import type { BatchedHold, OrdersRepository } from './orders.repository.js';

/** A repository whose batch calls the test releases by hand, recording what each batch held. */
function fakeRepository() {
  const calls: { ticketTypeId: string; holds: BatchedHold[]; release: (error?: Error) => void }[] =
    [];
  const repository = {
    holdBatch: (ticketTypeId: string, holds: BatchedHold[]) =>
      new Promise((resolve, reject) => {
        calls.push({
          ticketTypeId,
          holds,
          release: (error) =>
            error
              ? reject(error)
              : resolve(holds.map((h) => ({ outcome: 'HELD', order: { id: h.orderId } }))),
        });
      }),
  } as unknown as OrdersRepository;
  return { repository, calls };
}

const hold = (n: number, ticketTypeId = 'tt-1'): BatchedHold => ({
  orderId: `o${n}`,
  userId: `u${n}`,
  ticketTypeId,
  quantity: 1,
});
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('HoldBatcher', () => {
  const config = loadConfig({ ORDER_HOLD_SECONDS: '600' });

  it('sends a lone hold at once, and gathers those arriving meanwhile into the next batch', async () => {
    const { repository, calls } = fakeRepository();
    const batcher = new HoldBatcher(repository, config);
    const first = batcher.hold(hold(1));
    await tick();
    expect(calls.map((c) => c.holds.length)).toEqual([1]);
    const later = [2, 3, 4].map((n) => batcher.hold(hold(n)));
    await tick();
    expect(calls).toHaveLength(1);
    calls[0].release();
    await expect(first).resolves.toEqual({ outcome: 'HELD', order: { id: 'o1' } });
    await tick();
    expect(calls.map((c) => c.holds.map((h) => h.orderId))).toEqual([['o1'], ['o2', 'o3', 'o4']]);
    calls[1].release();
    await expect(Promise.all(later)).resolves.toEqual(
      ['o2', 'o3', 'o4'].map((id) => ({ outcome: 'HELD', order: { id } })),
    );
  });

  it('keeps ticket types apart and fails a whole batch, only that batch, on an error', async () => {
    const { repository, calls } = fakeRepository();
    const batcher = new HoldBatcher(repository, config);
    const a = batcher.hold(hold(1, 'tt-a'));
    const b = batcher.hold(hold(2, 'tt-b'));
    await tick();
    expect(calls.map((c) => c.ticketTypeId)).toEqual(['tt-a', 'tt-b']);
    calls[0].release(new Error('connection lost'));
    calls[1].release();
    await expect(a).rejects.toThrow('connection lost');
    await expect(b).resolves.toMatchObject({ outcome: 'HELD' });
    // The failed type's queue is usable again.
    const again = batcher.hold(hold(3, 'tt-a'));
    await tick();
    calls[2].release();
    await expect(again).resolves.toMatchObject({ outcome: 'HELD' });
  });

  it('caps a batch at 64 holds; holds of the same tick share the first batch', async () => {
    const { repository, calls } = fakeRepository();
    const batcher = new HoldBatcher(repository, config);
    const first = batcher.hold(hold(0));
    await tick();
    const rest = Array.from({ length: 100 }, (_, n) => batcher.hold(hold(n + 1)));
    calls[0].release();
    await first;
    await tick();
    calls[1].release();
    await tick();
    calls[2].release();
    await Promise.all(rest);
    expect(calls.map((c) => c.holds.length)).toEqual([1, 64, 36]);
    const sameTick = Array.from({ length: 70 }, (_, n) => batcher.hold(hold(n + 200)));
    await tick();
    calls[3].release();
    await tick();
    calls[4].release();
    await Promise.all(sameTick);
    expect(calls.slice(3).map((c) => c.holds.length)).toEqual([64, 6]);
  });
});
