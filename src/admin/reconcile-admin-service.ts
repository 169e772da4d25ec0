import { z } from "zod";
import { ConflictError } from "../errors/app-errors";
import type { Database } from "../persistence/database";
import { listRuns } from "../persistence/reconcile-runs-repository";
import { countTelCdrRecords, listTelCdrRecords, telCdrRecordsAfter, type TelCdrRecordSelection } from "../persistence/tel-cdr-records-repository";
import type { ReconciliationService } from "../reconciliation/reconciliation-service";
import { replayTelCdrRecord, type TelCdrReplayOutcome } from "../reconciliation/tel-cdr-records";
import { REPLAY_PAGE_SIZE, replayInPages } from "./bulk-replay";

export interface ReconcileRunView {
  id: string;
  sdkAppId: string;
  windowStart: string;
  windowEnd: string;
  status: string;
  fetched: number;
  created: number;
  updated: number;
  unchanged: number;
  /** Records that could not be read (see `error` and the DescribeTelCdr records with status failed). */
  failedRecords: number;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
  /** Sessions no push had delivered (at most MISSING_SHOWN of them; `missingCount` has the total). */
  missingSessionIds: string[];
  missingCount: number;
}

const MISSING_SHOWN = 50;

export const telCdrRecordFilterSchema = z.object({
  status: z.enum(["processed", "failed"]).optional(),
  // digits, not bigint: the filter also travels in job payloads, as JSON
  sdkAppId: z.string().regex(/^\d{1,19}$/, "must be a number").optional(),
  sessionId: z.string().min(1).max(200).optional(),
});
export type TelCdrRecordFilter = z.output<typeof telCdrRecordFilterSchema>;

/** A stored DescribeTelCdr record as listed to admins; its body is in tel_cdr_records.body. */
export interface TelCdrRecordView {
  id: string;
  sdkAppId: string;
  sessionId: string | null;
  recordKey: string;
  status: string;
  error: string | null;
  firstSeenAt: string;
  lastSeenAt: string;
  lastRunId: string | null;
  replayCount: number;
  lastReplayedAt: string | null;
}

/**
 * What admins do with reconciliation: ask for a range, see the runs with what they found missing, and replay the
 * stored DescribeTelCdr records (after a fix, a record that could not be read can be).
 */
export function createReconcileAdminService(
  prisma: Database,
  reconciliation: ReconciliationService | undefined,
  onRecordingsStored?: (recordingIds: bigint[]) => Promise<void>,
) {
  const selection = (filter: TelCdrRecordFilter): TelCdrRecordSelection => ({
    status: filter.status,
    sdkAppId: filter.sdkAppId === undefined ? undefined : BigInt(filter.sdkAppId),
    sessionId: filter.sessionId,
  });

  async function replayRecord(id: bigint): Promise<TelCdrReplayOutcome> {
    const outcome = await replayTelCdrRecord(prisma, id);
    // the mirror's sweep finds the tracks again if this fails
    if (outcome.recordingIdsToMirror.length > 0) await onRecordingsStored?.(outcome.recordingIdsToMirror).catch(() => undefined);
    return outcome;
  }

  return {
    enabled: reconciliation !== undefined,

    async requestRange(sdkAppId: number, from: Date, to: Date): Promise<string[]> {
      if (!reconciliation) throw new ConflictError("reconciliation is disabled: set TCCC_SECRET_ID and TCCC_SECRET_KEY");
      const request = await reconciliation.requestBackfill(sdkAppId, from, to);
      return request.runIds.map(String);
    },

    async listRuns(filter: { sdkAppId?: bigint; status?: string }, limit: number): Promise<ReconcileRunView[]> {
      const runs = await listRuns(prisma, filter, limit, MISSING_SHOWN);
      return runs.map((run) => ({
        id: run.id.toString(),
        sdkAppId: run.sdkAppId.toString(),
        windowStart: run.windowStart.toISOString(),
        windowEnd: run.windowEnd.toISOString(),
        status: run.status,
        fetched: run.fetched,
        created: run.created,
        updated: run.updated,
        unchanged: run.unchanged,
        failedRecords: run.failedRecords,
        startedAt: run.startedAt.toISOString(),
        finishedAt: run.finishedAt?.toISOString() ?? null,
        error: run.error,
        missingSessionIds: run.missingSessions.map((missing) => missing.sessionId),
        missingCount: run._count.missingSessions,
      }));
    },

    async listRecords(filter: TelCdrRecordFilter, limit: number): Promise<TelCdrRecordView[]> {
      const rows = await listTelCdrRecords(prisma, selection(filter), limit);
      return rows.map((row) => ({
        id: row.id.toString(),
        sdkAppId: row.sdkAppId.toString(),
        sessionId: row.sessionId,
        recordKey: row.recordKey,
        status: row.status,
        error: row.error,
        firstSeenAt: row.firstSeenAt.toISOString(),
        lastSeenAt: row.lastSeenAt.toISOString(),
        lastRunId: row.lastRunId?.toString() ?? null,
        replayCount: row.replayCount,
        lastReplayedAt: row.lastReplayedAt?.toISOString() ?? null,
      }));
    },

    replayRecord,

    /** Replays every stored record matching the filter, oldest first, in pages; reports progress as it goes. */
    async replayRecords(filter: TelCdrRecordFilter, onProgress: (done: number, total: number) => Promise<void> = async () => undefined) {
      return replayInPages({
        total: await countTelCdrRecords(prisma, selection(filter)),
        page: (afterId) => telCdrRecordsAfter(prisma, selection(filter), afterId, REPLAY_PAGE_SIZE),
        replay: ({ id }) => replayRecord(id),
        onProgress,
      });
    },
  };
}

export type ReconcileAdminService = ReturnType<typeof createReconcileAdminService>;
