/**
 * Group commit, apart from what is written: while `maxConcurrentBatches` batches are in flight, newly arrived items
 * wait and then go together in the next one, so the cost of a commit is shared under load while an item arriving at
 * a quiet moment is written at once. Every caller is answered only after the batch holding its item settled. A batch
 * that fails for a reason its items do not all share is written again item by item, so that one bad item cannot fail
 * the others.
 */
export interface GroupCommitOptions<Item, Result> {
  /** Writes the items in one transaction; one result per item, in order. */
  writeBatch(items: Item[]): Promise<Result[]>;
  /** The failure is every item's (the database is away): retrying them one by one cannot help. */
  failsEveryItem(error: unknown): boolean;
  /** The same write may succeed when tried again at once (a deadlock, a serialization failure). */
  isTransient(error: unknown): boolean;
  /** Most items one batch takes. */
  maxBatch: number;
  maxConcurrentBatches: number;
  /** Told when a batch is split to be written item by item. */
  onSplit?(error: unknown, batchSize: number): void;
}

interface Waiting<Item, Result> {
  item: Item;
  resolve(result: Result): void;
  reject(error: unknown): void;
}

const TRANSIENT_ATTEMPTS = 3;

export function createGroupCommit<Item, Result>(options: GroupCommitOptions<Item, Result>) {
  const waiting: Waiting<Item, Result>[] = [];
  let inFlight = 0;

  async function writeAlone(entry: Waiting<Item, Result>, attempt = 1): Promise<void> {
    try {
      const [result] = await options.writeBatch([entry.item]);
      entry.resolve(result as Result);
    } catch (error) {
      if (attempt < TRANSIENT_ATTEMPTS && options.isTransient(error)) return writeAlone(entry, attempt + 1);
      entry.reject(error);
    }
  }

  async function flush(entries: Waiting<Item, Result>[]): Promise<void> {
    try {
      const results = await options.writeBatch(entries.map((entry) => entry.item));
      entries.forEach((entry, index) => entry.resolve(results[index] as Result));
    } catch (error) {
      if (entries.length === 1) return writeAlone(entries[0] as Waiting<Item, Result>);
      if (options.failsEveryItem(error)) {
        for (const entry of entries) entry.reject(error);
        return;
      }
      options.onSplit?.(error, entries.length);
      for (const entry of entries) await writeAlone(entry);
    }
  }

  function pump(): void {
    while (inFlight < options.maxConcurrentBatches && waiting.length > 0) {
      const entries = waiting.splice(0, options.maxBatch);
      inFlight += 1;
      void flush(entries).finally(() => {
        inFlight -= 1;
        pump();
      });
    }
  }

  return {
    /** Resolves with the item's result once the batch holding it is written. */
    write(item: Item): Promise<Result> {
      return new Promise((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        pump();
      });
    },
  };
}
