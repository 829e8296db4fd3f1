import { setTimeout as sleep } from 'node:timers/promises';
import { RoundTripBatcher, RoundTripWaitExceeded } from './round-trip-batcher.js';

/** A store whose round trips the test answers or fails by hand. */
function manualStore() {
  const trips: { items: number[]; answer: () => void; fail: (error: Error) => void }[] = [];
  const send = (_key: string, items: number[]) =>
    new Promise<number[]>((resolve, reject) => {
      trips.push({ items, answer: () => resolve(items.map((n) => n * 10)), fail: reject });
    });
  return { trips, send };
}

const settled = async <T>(promise: Promise<T>) => {
  try {
    return { value: await promise };
  } catch (error) {
    return { error };
  }
};

describe('RoundTripBatcher with maxWaitMs (a store that can stall)', () => {
  it('fails everyone waiting for the next round trip when the current one fails', async () => {
    const { trips, send } = manualStore();
    const batcher = new RoundTripBatcher(send, { maxBatch: 10, maxWaitMs: 1_000 });
    const first = settled(batcher.submit('', 1));
    await sleep(0);
    const waiting = [2, 3, 4].map((n) => settled(batcher.submit('', n)));
    await sleep(0);
    trips[0].fail(new Error('Command timed out'));
    for (const outcome of [await first, ...(await Promise.all(waiting))]) {
      expect(outcome.error).toEqual(new Error('Command timed out'));
    }
    expect(trips).toHaveLength(1); // nobody was sent into a second timeout
    const after = batcher.submit('', 5); // and the next caller starts afresh
    await sleep(0);
    trips[1].answer();
    await expect(after).resolves.toBe(50);
  });

  it('fails an item that waited longer than maxWaitMs before its round trip could start', async () => {
    const { trips, send } = manualStore();
    const batcher = new RoundTripBatcher(send, { maxBatch: 10, maxWaitMs: 20 });
    const first = batcher.submit('', 1);
    await sleep(0);
    const late = settled(batcher.submit('', 2));
    await sleep(40); // the first round trip is slow but does answer
    trips[0].answer();
    await expect(first).resolves.toBe(10);
    expect((await late).error).toBeInstanceOf(RoundTripWaitExceeded);
    expect(trips).toHaveLength(1);
  });
});

describe('RoundTripBatcher without maxWaitMs (the database holds)', () => {
  it('fails only the round trip that failed; those waiting go in the next one', async () => {
    const { trips, send } = manualStore();
    const batcher = new RoundTripBatcher(send, { maxBatch: 10 });
    const first = settled(batcher.submit('', 1));
    await sleep(0);
    const next = batcher.submit('', 2);
    await sleep(0);
    trips[0].fail(new Error('deadlock detected'));
    expect((await first).error).toEqual(new Error('deadlock detected'));
    await sleep(0);
    expect(trips[1].items).toEqual([2]);
    trips[1].answer();
    await expect(next).resolves.toBe(20);
  });
});
