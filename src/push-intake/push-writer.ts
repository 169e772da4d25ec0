import type pg from "pg";
import type { Logger } from "pino";
import type { CallRecords } from "../tccc/call-records";
import { callRecordsStatement } from "../persistence/call-records-repository";
import { DatabaseUnavailableError, TransactionConflictError } from "../persistence/database-errors";
import { inPooledTransaction } from "../persistence/pooled-transaction";
import { claimPushKeys, newPushUuids, storeClaimedPushes, type NewPush } from "../persistence/push-inbox-repository";
import { createGroupCommit } from "./group-commit";

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

/**
 * Batch transactions one process keeps in flight, when `webProcesses` HTTP processes share the host (WEB_CONCURRENCY).
 * One process keeps two: while one batch waits for its commit the next is already being written, and PostgreSQL has
 * work from both. With several processes their batches already overlap; a second one per process only cuts the
 * waiting pushes into smaller batches, more transactions for the same pushes (issue 14, two processes on two cores,
 * measured on a loaded machine: 451 µs of CPU per push with one in flight against 538-652 µs with two).
 */
export function batchesInFlightPerProcess(webProcesses: number): number {
  return Math.max(1, Math.floor(2 / webProcesses));
}

/**
 * Pushes stored with group commit (group-commit.ts): every caller is answered only after the transaction holding its
 * push committed, and a batch that fails for a reason other than an unreachable database is written again push by
 * push, so that one bad push cannot fail the others.
 */
export function createPushWriter(options: PushWriterOptions) {
  const { logger } = options;
  const groupCommit = createGroupCommit<PushToStore, { duplicate: boolean }>({
    writeBatch: (batch) => writePushBatch(options, batch),
    // inPooledTransaction rejects with the typed errors of database-errors.ts
    failsEveryItem: (error) => error instanceof DatabaseUnavailableError,
    isTransient: (error) => error instanceof TransactionConflictError,
    maxBatch: options.maxBatch ?? 200,
    maxConcurrentBatches: options.maxConcurrentBatches ?? batchesInFlightPerProcess(1),
    onSplit: (error, batchSize) => logger.warn({ err: error, batchSize }, "push batch failed; writing its pushes one by one"),
  });

  return {
    /** Resolves once the push is committed; `duplicate` says whether its uuid was stored before. */
    store: (push: PushToStore): Promise<{ duplicate: boolean }> => groupCommit.write(push),
  };
}

/** One transaction for the batch: the pushes in push_inbox, the rows of the new ones; per push, whether it was a duplicate. */
async function writePushBatch(options: PushWriterOptions, batch: PushToStore[]): Promise<{ duplicate: boolean }[]> {
  // the first copy of a push uuid is the push; later copies in the same batch are duplicates of it
  const firstByUuid = new Map<string, { push: PushToStore; copies: number }>();
  for (const push of batch) {
    const first = firstByUuid.get(push.pushUuid);
    if (first) first.copies += 1;
    else firstByUuid.set(push.pushUuid, { push, copies: 0 });
  }
  const { inserted, recordingIds } = await inPooledTransaction(options.pool, async (tx) => {
    const claimed = await claimPushKeys(
      tx,
      [...firstByUuid.values()].map(({ push: { records: _records, ...row }, copies }) => ({ ...row, duplicatesInBatch: copies })),
    );
    const newUuids = newPushUuids(claimed);
    const records = [...firstByUuid.values()].flatMap(({ push }) => (newUuids.has(push.pushUuid) && push.records ? [push.records] : []));
    const saveRecords = callRecordsStatement(records, "push");
    // the two statements and the COMMIT share one round trip (pooled-transaction.ts)
    const [, saved] = await tx.commitWith(storeClaimedPushes(claimed), ...(saveRecords ? [saveRecords] : []));
    return { inserted: newUuids, recordingIds: saved?.recordingIdsToMirror ?? [] };
  });
  if (recordingIds.length > 0 && options.onRecordingsStored) {
    // not awaited: the answer to TCCC must not wait on Redis, and the mirror sweep finds these rows again anyway
    options.onRecordingsStored(recordingIds).catch((error: unknown) => options.logger.warn({ err: error }, "could not queue mirror jobs; the sweep will pick them up"));
  }
  const seen = new Set<string>();
  return batch.map((push) => {
    const duplicate = seen.has(push.pushUuid) || !inserted.has(push.pushUuid);
    seen.add(push.pushUuid);
    return { duplicate };
  });
}

export type PushWriter = ReturnType<typeof createPushWriter>;
