import type { Database } from "../persistence/database";

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
export async function readOperationalStatus(prisma: Database, sdkAppId?: bigint): Promise<OperationalStatus> {
  const app = sdkAppId ?? null;
  const [failed, failedApiRecords, runs, backlog] = await Promise.all([
    prisma.$queryRaw<{ action: string; count: number }[]>`
      SELECT action, count(*)::int AS count FROM push_inbox
      WHERE status = 'failed' AND (${app}::bigint IS NULL OR sdk_app_id = ${app}::bigint)
      GROUP BY action ORDER BY action`,
    prisma.$queryRaw<{ count: number }[]>`
      SELECT count(*)::int AS count FROM tel_cdr_records
      WHERE status = 'failed' AND (${app}::bigint IS NULL OR sdk_app_id = ${app}::bigint)`,
    // the latest run per application through the (sdk_app_id, started_at) index: a skip scan finds each application
    // with one index probe (PostgreSQL has no loose index scan of its own), then one probe reads its latest run, so
    // the cost grows with the number of applications, not with the history of runs
    prisma.$queryRaw<
      {
        sdk_app_id: bigint;
        id: bigint;
        status: string;
        window_start: Date;
        window_end: Date;
        started_at: Date;
        finished_at: Date | null;
        fetched: number;
        failed_records: number;
        error: string | null;
        reconciled_until: Date | null;
      }[]
    >`
      WITH RECURSIVE apps(sdk_app_id) AS (
        (SELECT sdk_app_id FROM reconcile_runs WHERE sdk_app_id >= coalesce(${app}::bigint, 0) ORDER BY sdk_app_id LIMIT 1)
        UNION ALL
        SELECT (SELECT r.sdk_app_id FROM reconcile_runs r WHERE r.sdk_app_id > apps.sdk_app_id ORDER BY r.sdk_app_id LIMIT 1)
        FROM apps WHERE apps.sdk_app_id IS NOT NULL AND ${app}::bigint IS NULL
      )
      SELECT r.sdk_app_id, r.id, r.status, r.window_start, r.window_end, r.started_at, r.finished_at,
             r.fetched, r.failed_records, r.error, w.reconciled_until
      FROM apps
      CROSS JOIN LATERAL (SELECT * FROM reconcile_runs r WHERE r.sdk_app_id = apps.sdk_app_id ORDER BY r.started_at DESC LIMIT 1) r
      LEFT JOIN reconcile_watermarks w ON w.sdk_app_id = r.sdk_app_id
      -- the recursion ends on a NULL application: probing the runs for it would read the whole started_at index
      WHERE apps.sdk_app_id IS NOT NULL AND (${app}::bigint IS NULL OR r.sdk_app_id = ${app}::bigint)
      ORDER BY r.sdk_app_id`,
    prisma.$queryRaw<{ pending: number; failed: number; oldest_pending_at: Date | null }[]>`
      SELECT count(*) FILTER (WHERE mirror_status = 'pending')::int AS pending,
             count(*) FILTER (WHERE mirror_status = 'failed')::int AS failed,
             min(created_at) FILTER (WHERE mirror_status = 'pending') AS oldest_pending_at
      FROM recordings
      WHERE mirror_status IN ('pending', 'failed') AND (${app}::bigint IS NULL OR sdk_app_id = ${app}::bigint)`,
  ]);
  const now = Date.now();
  const { pending, failed: mirrorFailed, oldest_pending_at } = backlog[0] ?? { pending: 0, failed: 0, oldest_pending_at: null };
  return {
    failedPushes: { total: failed.reduce((sum, row) => sum + row.count, 0), byAction: Object.fromEntries(failed.map((row) => [row.action, row.count])) },
    failedApiRecords: failedApiRecords[0]?.count ?? 0,
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
