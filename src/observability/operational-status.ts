import type { Sql } from "../persistence/database";
import { countFailedPushesByAction } from "../persistence/push-inbox-repository";
import { latestRunPerApp } from "../persistence/reconcile-runs-repository";
import { mirrorBacklog } from "../persistence/recordings-repository";
import { countFailedTelCdrRecords } from "../persistence/tel-cdr-records-repository";

/** What an operator asks first: what failed, how far reconciliation lags, what the mirror still owes. */
export interface OperationalStatus {
  failedPushes: { total: number; byAction: Record<string, number> };
  /** DescribeTelCdr records stored as failed (they could not be read), waiting for a fix and a replay. */
  failedApiRecords: number;
  reconciliation: AppReconcileStatus[];
  mirrorBacklog: { pending: number; failed: number; oldestPendingAt: string | null };
}

export interface AppReconcileStatus {
  sdkAppId: string;
  /** How far the scheduled sweep has read without a gap; null when only backfills ran. */
  reconciledUntil: string | null;
  /** Now minus reconciledUntil, in seconds. */
  lagSec: number | null;
  lastRun: {
    id: string;
    status: string;
    windowStart: string;
    windowEnd: string;
    startedAt: string;
    finishedAt: string | null;
    fetched: number;
    failedRecords: number;
    error: string | null;
  };
}

/** Read from PostgreSQL, the source of truth, so every process reports the same. Optionally for one application. */
export async function readOperationalStatus(prisma: Sql, sdkAppId?: bigint): Promise<OperationalStatus> {
  const app = sdkAppId ?? null;
  const [failed, failedApiRecords, runs, backlog] = await Promise.all([
    countFailedPushesByAction(prisma, app),
    countFailedTelCdrRecords(prisma, app),
    latestRunPerApp(prisma, app),
    mirrorBacklog(prisma, app),
  ]);
  const now = Date.now();
  const { pending, failed: mirrorFailed, oldest_pending_at } = backlog;
  return {
    failedPushes: { total: failed.reduce((sum, row) => sum + row.count, 0), byAction: Object.fromEntries(failed.map((row) => [row.action, row.count])) },
    failedApiRecords,
    reconciliation: runs.map((run) => ({
      sdkAppId: run.sdk_app_id.toString(),
      reconciledUntil: run.reconciled_until?.toISOString() ?? null,
      lagSec: run.reconciled_until ? Math.round((now - run.reconciled_until.getTime()) / 1000) : null,
      lastRun: {
        id: run.id.toString(),
        status: run.status,
        windowStart: run.window_start.toISOString(),
        windowEnd: run.window_end.toISOString(),
        startedAt: run.started_at.toISOString(),
        finishedAt: run.finished_at?.toISOString() ?? null,
        fetched: run.fetched,
        failedRecords: run.failed_records,
        error: run.error,
      },
    })),
    mirrorBacklog: { pending, failed: mirrorFailed, oldestPendingAt: oldest_pending_at?.toISOString() ?? null },
  };
}
