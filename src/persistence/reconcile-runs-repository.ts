import type { SessionRow } from "../tccc/call-records";
import type { Database, Sql } from "./database";
import { toJsonRows } from "./sql-json";
import type { TimeWindow } from "../reconciliation/windows";

/** reconcile_runs, reconcile_watermarks and reconcile_missing_sessions. */

/** queued: a backfill window waiting for its job; then running, then succeeded or failed. */
export type RunStatus = "queued" | "running" | "succeeded" | "failed";

/** created + updated + unchanged + failedRecords = fetched: every record the API listed is accounted for once. */
export interface RunCounts {
  fetched: number;
  created: number;
  updated: number;
  unchanged: number;
  /** Records that could not be read; kept in tel_cdr_records as failed. */
  failedRecords: number;
}

export const emptyRunCounts = (): RunCounts => ({ fetched: 0, created: 0, updated: 0, unchanged: 0, failedRecords: 0 });

export interface RunRow extends RunCounts {
  id: bigint;
  sdkAppId: bigint;
  windowStart: Date;
  windowEnd: Date;
  status: RunStatus;
  startedAt: Date;
  finishedAt: Date | null;
  error: string | null;
}

const toDate = (sec: number) => new Date(sec * 1000);

/**
 * A run row for a window about to be queued, so that whoever asked gets its id at once. A window already queued or
 * running keeps its one row: asking twice (or twice at the same moment: the lock) queues no second run.
 */
export async function queueRun(prisma: Database, sdkAppId: number, window: TimeWindow): Promise<bigint> {
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('reconcile-queue'), ${sdkAppId % 2_147_483_647})`;
    const where = { sdkAppId: BigInt(sdkAppId), windowStart: toDate(window.start), windowEnd: toDate(window.end) };
    const existing = await tx.reconcileRun.findFirst({ where: { ...where, status: { in: ["queued", "running"] } }, select: { id: true } });
    if (existing) return existing.id;
    return (await tx.reconcileRun.create({ data: { ...where, status: "queued" }, select: { id: true } })).id;
  });
}

/** Takes over the queued row when there is one; a retry after a failed attempt gets a row of its own. */
export async function startRun(prisma: Database, sdkAppId: number, window: TimeWindow, queuedRunId?: bigint): Promise<bigint> {
  if (queuedRunId !== undefined) {
    const taken = await prisma.$queryRaw<{ id: bigint }[]>`
      UPDATE reconcile_runs SET status = 'running', started_at = now() WHERE id = ${queuedRunId} AND status = 'queued' RETURNING id`;
    if (taken[0]) return taken[0].id;
  }
  const run = await prisma.reconcileRun.create({
    data: { sdkAppId: BigInt(sdkAppId), windowStart: toDate(window.start), windowEnd: toDate(window.end), status: "running" },
    select: { id: true },
  });
  return run.id;
}

/** Adds one page's counts; increments, because several pages of one run commit concurrently. */
export async function addRunCounts(sql: Sql, runId: bigint, counts: RunCounts): Promise<void> {
  await sql.$executeRaw`
    UPDATE reconcile_runs
       SET fetched = fetched + ${counts.fetched}, created = created + ${counts.created},
           updated = updated + ${counts.updated}, unchanged = unchanged + ${counts.unchanged},
           failed_records = failed_records + ${counts.failedRecords}
     WHERE id = ${runId}`;
}

/**
 * Closes a run. A succeeded sweep run moves the watermark in the same transaction, and never backwards: a backfill or
 * an overlapping run may finish after a later one.
 */
export async function finishRun(
  prisma: Database,
  run: { id: bigint; sdkAppId: number; window: TimeWindow },
  outcome: { status: "succeeded" | "failed"; error?: string; advanceWatermark: boolean },
): Promise<void> {
  const close = prisma.reconcileRun.update({
    where: { id: run.id },
    data: { status: outcome.status, finishedAt: new Date(), error: outcome.error ?? null },
  });
  if (outcome.status !== "succeeded" || !outcome.advanceWatermark) {
    await close;
    return;
  }
  await prisma.$transaction([
    close,
    prisma.$executeRaw`
      INSERT INTO reconcile_watermarks (sdk_app_id, reconciled_until) VALUES (${BigInt(run.sdkAppId)}, ${toDate(run.window.end)})
      ON CONFLICT (sdk_app_id) DO UPDATE
        SET reconciled_until = GREATEST(reconcile_watermarks.reconciled_until, EXCLUDED.reconciled_until), updated_at = now()`,
  ]);
}

/** Unix seconds, or undefined before the first successful sweep. */
export async function readWatermark(prisma: Database, sdkAppId: number): Promise<number | undefined> {
  const row = await prisma.reconcileWatermark.findUnique({ where: { sdkAppId: BigInt(sdkAppId) } });
  return row ? Math.floor(row.reconciledUntil.getTime() / 1000) : undefined;
}

export async function recordMissingSessions(sql: Sql, runId: bigint, sessions: Pick<SessionRow, "sdkAppId" | "sessionId">[]): Promise<void> {
  if (sessions.length === 0) return;
  await sql.$executeRaw`
    INSERT INTO reconcile_missing_sessions (run_id, sdk_app_id, session_id)
    SELECT ${runId}, r."sdkAppId", r."sessionId" FROM json_to_recordset(${toJsonRows(sessions)}::json) AS r("sdkAppId" bigint, "sessionId" text)
    ON CONFLICT DO NOTHING`;
}

/**
 * The latest run of each window that is still running or finished after `since`: a backfill request's progress.
 */
export async function runsForWindows(prisma: Database, sdkAppId: number, windows: TimeWindow[], since: Date): Promise<RunRow[]> {
  if (windows.length === 0) return [];
  const rows = await prisma.reconcileRun.findMany({
    where: {
      sdkAppId: BigInt(sdkAppId),
      OR: windows.map((window) => ({ windowStart: toDate(window.start), windowEnd: toDate(window.end) })),
      AND: [{ OR: [{ status: { in: ["queued", "running"] } }, { finishedAt: { gte: since } }] }],
    },
    orderBy: { startedAt: "desc" },
  });
  const latest = new Map<string, RunRow>();
  for (const row of rows) {
    const key = `${row.windowStart.getTime()}-${row.windowEnd.getTime()}`;
    if (!latest.has(key)) latest.set(key, { ...row, status: row.status as RunStatus });
  }
  return [...latest.values()];
}

/** The newest runs first, each with the first `missingShown` sessions it found missing and their count. */
export function listRuns(prisma: Database, filter: { sdkAppId?: bigint; status?: string }, limit: number, missingShown: number) {
  return prisma.reconcileRun.findMany({
    where: { sdkAppId: filter.sdkAppId, status: filter.status },
    orderBy: { id: "desc" },
    take: limit,
    include: { missingSessions: { take: missingShown, select: { sessionId: true } }, _count: { select: { missingSessions: true } } },
  });
}

export interface LatestRun {
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
}

/**
 * The latest run of every application (or of one), with its watermark. Through the (sdk_app_id, started_at) index: a
 * skip scan finds each application with one index probe (PostgreSQL has no loose index scan of its own), then one
 * probe reads its latest run, so the cost grows with the number of applications, not with the history of runs.
 */
export function latestRunPerApp(sql: Sql, sdkAppId: bigint | null): Promise<LatestRun[]> {
  const app = sdkAppId;
  return sql.$queryRaw<LatestRun[]>`
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
    ORDER BY r.sdk_app_id`;
}

/** Per application, the runs of the last day that failed and the calls they found missing (reconcile_runs_started_at_idx). */
export function lastDayRunStats(sql: Sql): Promise<{ sdk_app_id: bigint; failed: number; missing: number }[]> {
  return sql.$queryRaw<{ sdk_app_id: bigint; failed: number; missing: number }[]>`
    SELECT sdk_app_id, count(*) FILTER (WHERE status = 'failed')::int AS failed, coalesce(sum(created), 0)::int AS missing
    FROM reconcile_runs WHERE started_at > now() - interval '24 hours' GROUP BY sdk_app_id`;
}
