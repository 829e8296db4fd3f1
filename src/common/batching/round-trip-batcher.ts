interface Waiting<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

/**
 * Sends what arrives while the previous round trip of the same key is out as one round trip.
 * Nothing waits for a timer: a lone item goes out as soon as the current synchronous work is done
 * (a microtask, so items submitted together, such as the rate limits of one request, share the
 * round trip), and a batch grows only while callers would have queued behind the connection
 * anyway (the cached listing at 12,000 requests/s: about 30 requests per Redis call). Each caller
 * gets the result at its own index, in arrival order; if a round trip fails, each of its callers
 * (and only those) gets the error.
 *
 * Correctness note for reads: an item always rides a round trip that starts after it arrived, so it
 * sees every write that finished before it was submitted.
 */
export class RoundTripBatcher<Item, Result> {
  private readonly queues = new Map<string, Waiting<Item, Result>[]>();

  constructor(
    private readonly send: (key: string, items: Item[]) => Promise<Result[]>,
    private readonly maxBatch: number,
  ) {}

  submit(key: string, item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(key);
      if (queue) {
        queue.push({ item, resolve, reject });
        return;
      }
      // The first in line starts the drain; whoever arrives meanwhile joins the next round trip.
      this.queues.set(key, [{ item, resolve, reject }]);
      queueMicrotask(() => void this.drain(key));
    });
  }

  private async drain(key: string): Promise<void> {
    const queue = this.queues.get(key)!;
    while (queue.length > 0) {
      const batch = queue.splice(0, this.maxBatch);
      try {
        const results = await this.send(
          key,
          batch.map((waiting) => waiting.item),
        );
        batch.forEach((waiting, index) => waiting.resolve(results[index]));
      } catch (error) {
        for (const waiting of batch) waiting.reject(error);
      }
    }
    this.queues.delete(key);
  }
}
