import type { AppConfig } from "../config/env";
import type { RedisConnection } from "../redis/redis-connections";
import type { JobQueues } from "../jobs/job-queues";
import type { Logger } from "../logging/logger";
import type { Database } from "../persistence/database";
import { queueRun, readWatermark, runsForWindows, type RunRow } from "../persistence/reconcile-runs-repository";
import { createRedisRateLimiter } from "./rate-limiter";
import { RECONCILE_QUEUE_IDS, reconcileSweepJob, reconcileTickJob, reconcileWindowJob } from "./reconcile-jobs";
import { withRedisLock } from "./redis-lock";
import { runWindow, type WindowRunDependencies, type WindowRunResult } from "./run-window";
import type { TelCdrApi } from "./tel-cdr-api";
import { backfillWindows, sweepWindows, type TimeWindow } from "./windows";

export interface ReconciliationDependencies {
  config: AppConfig;
  prisma: Database;
  jobs: JobQueues;
  logger: Logger;
  /** Queues mirror jobs for recordings the API told us about; failures are logged, never fail a run. */
  onRecordingsStored?: (recordingIds: bigint[]) => Promise<void>;
  /** The DescribeTelCdr client, built once by the composition root. */
  api: TelCdrApi;
  /** A command connection for the shared rate limit and the schedule lock; its owner closes it. */
  redis: RedisConnection;
  /** Milliseconds since the epoch; decides which windows a sweep reads and what a backfill may ask for. */
  now?: () => number;
}

export interface BackfillRequest {
  sdkAppId: number;
  windows: TimeWindow[];
  /** One reconcile_runs row per window, queued until its job starts. */
  runIds: bigint[];
  requestedAt: Date;
}

export interface BackfillProgress {
  total: number;
  succeeded: number;
  failed: number;
  running: number;
  /** Windows whose job has not started yet. */
  pending: number;
  runs: RunRow[];
}

/**
 * The vendor counts requests as they arrive, we count them as we grant them: a request that leaves late (a GC pause,
 * a page being parsed) lands in the next second. Granting 20 per 1.1 s absorbs 100 ms of such skew, for ~9% of the
 * throughput; 50 ms still let the benchmark's endpoint see 21-22 in a second now and then.
 */
const LIMIT_WINDOW_MS = 1100;
const SCHEDULE_LOCK_TTL_MS = 30_000;

/** Reconciliation against DescribeTelCdr: window runs, the scheduled sweep and backfills, and their workers. */
export function createReconciliationService(deps: ReconciliationDependencies) {
  const { config, logger } = deps;
  const nowSec = () => Math.floor((deps.now ?? Date.now)() / 1000);
  const runs = createWindowRuns(deps);
  const sweep = createSweep(deps, runs, nowSec);
  const backfill = createBackfill(deps, nowSec);
  const scheduledAppIds = config.TCCC_SDK_APP_IDS ?? [];

  /** One scheduler per configured application, upserted under a lock (see BullMQ's concurrency bugs). */
  function declareSchedules(): Promise<void> {
    return withRedisLock(deps.redis, `${config.QUEUE_PREFIX}:reconcile-schedule-lock`, SCHEDULE_LOCK_TTL_MS, async () => {
      for (const sdkAppId of scheduledAppIds) {
        await deps.jobs.schedule(reconcileTickJob, `reconcile-sweep-${sdkAppId}`, config.RECONCILE_INTERVAL_SEC * 1000, { sdkAppId });
      }
    });
  }

  /** Workers, and the schedulers of the configured applications. */
  async function start(): Promise<void> {
    deps.jobs.startWorker(reconcileTickJob, { jobs: deps.jobs, scheduledAppIds });
    deps.jobs.startWorker(reconcileSweepJob, sweep, { concurrency: Math.max(1, scheduledAppIds.length) });
    deps.jobs.startWorker(reconcileWindowJob, runs.reconcileWindow);
    if (scheduledAppIds.length === 0) {
      logger.info("reconciliation: TCCC_SDK_APP_IDS is empty, no scheduled sweep (backfill only)");
      return;
    }
    await deps.jobs.declareSchedules("reconciliation sweeps", declareSchedules);
    logger.info({ sdkAppIds: scheduledAppIds, intervalSec: config.RECONCILE_INTERVAL_SEC }, "reconciliation scheduled");
  }

  return { sweep, reconcileWindow: runs.reconcileWindow, ...backfill, start, stop: runs.stop, queueIds: RECONCILE_QUEUE_IDS };
}

export type ReconciliationService = ReturnType<typeof createReconciliationService>;

/** Window runs, rate-limited across processes, and a stop that interrupts them and waits until each closed its row. */
function createWindowRuns(deps: ReconciliationDependencies) {
  const { config } = deps;
  const stopping = new AbortController();
  const active = new Set<Promise<unknown>>();
  const windowDeps: WindowRunDependencies = {
    prisma: deps.prisma,
    api: deps.api,
    limiter: createRedisRateLimiter({ redis: deps.redis, keyPrefix: `${config.QUEUE_PREFIX}:reconcile-rate:`, limit: config.RECONCILE_MAX_RPS, windowMs: LIMIT_WINDOW_MS }),
    logger: deps.logger,
    concurrency: config.RECONCILE_CONCURRENCY,
    onRecordingsStored: deps.onRecordingsStored,
    signal: stopping.signal,
  };

  /** One window; a backfill window never moves the watermark, which belongs to the scheduled sweep. */
  function reconcileWindow(
    sdkAppId: number,
    window: TimeWindow,
    options: { advanceWatermark: boolean; queuedRunId?: bigint } = { advanceWatermark: false },
  ): Promise<WindowRunResult> {
    const work = runWindow(windowDeps, sdkAppId, window, options);
    active.add(work);
    return work.finally(() => active.delete(work));
  }

  /** Interrupts runs (each closes its row as failed; the next run reads the window again). */
  async function stop(): Promise<void> {
    stopping.abort(new Error("service stopping"));
    await Promise.allSettled([...active]);
  }

  return { reconcileWindow, stop, signal: stopping.signal };
}

/**
 * From the watermark (less the overlap) up to now less the lag, window by window. The watermark moves only over a
 * gapless run of succeeded windows. A window whose records could not all be read holds it there, but the windows
 * after it are still read (the calls in them are stored, the watermark stays); a window the API could not serve
 * ends the sweep, since the next ones would meet the same refusal.
 */
function createSweep(deps: ReconciliationDependencies, runs: ReturnType<typeof createWindowRuns>, nowSec: () => number) {
  const { config } = deps;
  return async function sweep(sdkAppId: number): Promise<WindowRunResult[]> {
    const windows = sweepWindows(await readWatermark(deps.prisma, sdkAppId), nowSec(), {
      lagSec: config.RECONCILE_LAG_SEC,
      overlapSec: config.RECONCILE_OVERLAP_SEC,
      initialLookbackSec: config.RECONCILE_INITIAL_LOOKBACK,
      maxWindowSec: config.RECONCILE_MAX_WINDOW_SEC,
    });
    const results: WindowRunResult[] = [];
    let gapless = true;
    for (const window of windows) {
      if (runs.signal.aborted) break;
      const result = await runs.reconcileWindow(sdkAppId, window, { advanceWatermark: gapless });
      results.push(result);
      if (!result.complete) break;
      if (result.status === "failed") gapless = false;
    }
    return results;
  };
}

/** Backfills an operator asks for (admin API, CLI): one queued run and one job per window, and their progress. */
function createBackfill(deps: ReconciliationDependencies, nowSec: () => number) {
  /**
   * Queues one job per window of the range. Idempotent: a window already queued or running is not queued twice, and
   * a window read again changes nothing that is already stored.
   */
  async function requestBackfill(sdkAppId: number, from: Date, to: Date): Promise<BackfillRequest> {
    const windows = backfillWindows(Math.floor(from.getTime() / 1000), Math.ceil(to.getTime() / 1000), nowSec(), deps.config.RECONCILE_MAX_WINDOW_SEC);
    const requestedAt = new Date((deps.now ?? Date.now)());
    const runIds: bigint[] = [];
    for (const window of windows) {
      const runId = await queueRun(deps.prisma, sdkAppId, window);
      runIds.push(runId);
      await deps.jobs.enqueue(
        reconcileWindowJob,
        { sdkAppId, ...window, runId: String(runId) },
        { deduplication: { id: `reconcile-window-${sdkAppId}-${window.start}-${window.end}` } },
      );
    }
    deps.logger.info({ sdkAppId, from, to, windows: windows.length }, "backfill queued");
    return { sdkAppId, windows, runIds, requestedAt };
  }

  async function backfillProgress(request: BackfillRequest): Promise<BackfillProgress> {
    const runs = await runsForWindows(deps.prisma, request.sdkAppId, request.windows, request.requestedAt);
    const count = (status: RunRow["status"]) => runs.filter((run) => run.status === status).length;
    return {
      total: request.windows.length,
      succeeded: count("succeeded"),
      failed: count("failed"),
      running: count("running"),
      pending: count("queued") + request.windows.length - runs.length,
      runs,
    };
  }

  return { requestBackfill, backfillProgress };
}
