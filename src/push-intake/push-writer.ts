import type pg from "pg";
import type { Logger } from "pino";
import type { CallRecords } from "../persistence/call-records";
import { saveCallRecords } from "../persistence/call-records-repository";
import { isDatabaseUnavailable, postgresErrorCode } from "../persistence/database";
import { inPooledTransaction } from "../persistence/pooled-transaction";
import { insertPushesOrCountDuplicates, type NewPush } from "../persistence/push-inbox-repository";

export interface PushToStore extends Omit<NewPush, "duplicatesInBatch"> {
  /** Rows to merge when the push is new and valid. */
  records?: CallRecords;
}

export interface PushWriterOptions {
  /** The service's connections (DatabaseHandle.pool). */
  pool: pg.Pool;
  logger: Logger;
  /** Most pushes one transaction takes. */
  maxBatch?: number;
  /** Transactions in flight at once; keep it below the pool size so other work still gets connections. */
  maxConcurrentBatches?: number;
  /** Called after commit with recordings that wait for the mirror. */
  onRecordingsStored?: (recordingIds: bigint[]) => Promise<void>;
}

interface Waiting {
  push: PushToStore;
  resolve(result: { duplicate: boolean }): void;
  reject(error: unknown): void;
}

const RETRYABLE_CONFLICTS = new Set(["40P01", "40001"]); // deadlock, serialization failure

/**
 * Group commit for pushes. While transactions are in flight, newly arrived pushes wait and then go together in the
 * next one, so the cost of a commit and of each statement is shared under load, while a push arriving at a quiet
 * moment is written at once. Every caller is answered only after the transaction holding its push committed. If a
 * batch fails for a reason other than an unreachable database, its pushes are retried one by one so that one bad push
 * cannot fail the others.
 */
export function createPushWriter(options: PushWriterOptions) {
  const { pool, logger } = options;
  const maxBatch = options.maxBatch ?? 200;
  const maxConcurrent = options.maxConcurrentBatches ?? 2;
  const waiting: Waiting[] = [];
  let inFlight = 0;

  async function writeBatch(batch: PushToStore[]): Promise<boolean[]> {
    // the first copy of a push uuid is the push; later copies in the same batch are duplicates of it
    const firstByUuid = new Map<string, { push: PushToStore; copies: number }>();
    for (const push of batch) {
      const first = firstByUuid.get(push.pushUuid);
      if (first) first.copies += 1;
      else firstByUuid.set(push.pushUuid, { push, copies: 0 });
    }
    const { inserted, recordingIds } = await inPooledTransaction(pool, async (tx) => {
      const newUuids = await insertPushesOrCountDuplicates(
        tx,
        [...firstByUuid.values()].map(({ push: { records: _records, ...row }, copies }) => ({ ...row, duplicatesInBatch: copies })),
      );
      const records = [...firstByUuid.values()].flatMap(({ push }) => (newUuids.has(push.pushUuid) && push.records ? [push.records] : []));
      const saved = records.length > 0 ? await saveCallRecords(tx, records, "push") : undefined;
      return { inserted: newUuids, recordingIds: saved?.recordingIdsToMirror ?? [] };
    });

    if (recordingIds.length > 0 && options.onRecordingsStored) {
      // not awaited: the answer to TCCC must not wait on Redis, and the mirror sweep finds these rows again anyway
      options.onRecordingsStored(recordingIds).catch((error: unknown) => logger.warn({ err: error }, "could not queue mirror jobs; the sweep will pick them up"));
    }
    const seen = new Set<string>();
    return batch.map((push) => {
      const duplicate = seen.has(push.pushUuid) || !inserted.has(push.pushUuid);
      seen.add(push.pushUuid);
      return duplicate;
    });
  }

  async function writeAlone(entry: Waiting, attempt = 1): Promise<void> {
    try {
      const [duplicate] = await writeBatch([entry.push]);
      entry.resolve({ duplicate: duplicate ?? false });
    } catch (error) {
      if (attempt < 3 && RETRYABLE_CONFLICTS.has(postgresErrorCode(error) ?? "")) return writeAlone(entry, attempt + 1);
      entry.reject(error);
    }
  }

  async function flush(entries: Waiting[]): Promise<void> {
    try {
      const duplicates = await writeBatch(entries.map((entry) => entry.push));
      entries.forEach((entry, index) => entry.resolve({ duplicate: duplicates[index] ?? false }));
    } catch (error) {
      if (entries.length === 1 || isDatabaseUnavailable(error)) {
        if (entries.length === 1) return writeAlone(entries[0] as Waiting);
        for (const entry of entries) entry.reject(error);
        return;
      }
      logger.warn({ err: error, batchSize: entries.length }, "push batch failed; writing its pushes one by one");
      for (const entry of entries) await writeAlone(entry);
    }
  }

  function pump(): void {
    while (inFlight < maxConcurrent && waiting.length > 0) {
      const entries = waiting.splice(0, maxBatch);
      inFlight += 1;
      void flush(entries).finally(() => {
        inFlight -= 1;
        pump();
      });
    }
  }

  return {
    /** Resolves once the push is committed; `duplicate` says whether its uuid was stored before. */
    store(push: PushToStore): Promise<{ duplicate: boolean }> {
      return new Promise((resolve, reject) => {
        waiting.push({ push, resolve, reject });
        pump();
      });
    },
  };
}

export type PushWriter = ReturnType<typeof createPushWriter>;
