import { UnrecoverableError } from "bullmq";
import IORedis from "ioredis";
import { z } from "zod";
import type { AppConfig } from "../config/env";
import { defineJob } from "../jobs/job-definition";
import type { JobQueues } from "../jobs/job-queues";
import type { Logger } from "../logging/logger";
import type { Database } from "../persistence/database";
import { createRedisRateLimiter } from "./rate-limiter";
import { queueRun, readWatermark, runsForWindows, type RunRow } from "../persistence/reconcile-runs-repository";
import { withRedisLock } from "./redis-lock";
import { runWindow, type WindowRunDependencies, type WindowRunResult } from "./run-window";
import { createTelCdrApi, type TelCdrApi } from "./tel-cdr-api";
import { backfillWindows, sweepWindows, type TimeWindow } from "./windows";

export interface ReconciliationDependencies {
  config: AppConfig;
  prisma: Database;
  jobs: JobQueues;
  logger: Logger;
  /** Queues mirror jobs for recordings the API told us about; failures are logged, never fail a run. */
  onRecordingsStored?: (recordingIds: bigint[]) => Promise<void>;
  /** Defaults to the real SDK client built from the config. */
  api?: TelCdrApi;
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

export class ReconcileRunFailedError extends Error {
  override readonly name = "ReconcileRunFailedError";
}

/**
 * The vendor counts requests as they arrive, we count them as we grant them: a request that leaves late (a GC pause,
 * a page being parsed) lands in the next second. Granting 20 per 1.1 s absorbs 100 ms of such skew, for ~9% of the
 * throughput; 50 ms still let the benchmark's endpoint see 21-22 in a second now and then.
 */
const LIMIT_WINDOW_MS = 1100;
const SCHEDULE_LOCK_TTL_MS = 30_000;

/** The queue backfill windows wait in; the CLI checks that some worker consumes it. */
export const RECONCILE_WINDOW_QUEUE = "reconcile-window";

const appIdPayload = z.object({ sdkAppId: z.number().int().positive() });
const windowPayload = appIdPayload.extend({ start: z.number().int(), end: z.number().int(), runId: z.string().regex(/^\d+$/).optional() });

const nowSec = () => Math.floor(Date.now() / 1000);

/**
 * Reconciliation against DescribeTelCdr. Undefined, with a log line, when no API credentials are configured: the
 * service then runs without it.
 */
export function createReconciliationService(deps: ReconciliationDependencies) {
  const { config, prisma, jobs, logger } = deps;
  if (!config.TCCC_SECRET_ID || !config.TCCC_SECRET_KEY) {
    logger.info("reconciliation disabled: TCCC_SECRET_ID and TCCC_SECRET_KEY are not set");
    return undefined;
  }
  const scheduledAppIds = config.TCCC_SDK_APP_IDS ?? [];
  const api =
    deps.api ??
    createTelCdrApi({
      secretId: config.TCCC_SECRET_ID,
      secretKey: config.TCCC_SECRET_KEY,
      endpoint: config.TCCC_API_ENDPOINT,
      region: config.TCCC_API_REGION,
      timeoutSec: config.TCCC_API_TIMEOUT_SEC,
    });
  const redis = new IORedis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
  redis.on("error", (error) => logger.debug({ err: error }, "reconciliation redis connection error"));
  const stopping = new AbortController();
  const active = new Set<Promise<unknown>>();

  const windowDeps: WindowRunDependencies = {
    prisma,
    api,
    limiter: createRedisRateLimiter({ redis, keyPrefix: `${config.QUEUE_PREFIX}:reconcile-rate:`, limit: config.RECONCILE_MAX_RPS, windowMs: LIMIT_WINDOW_MS }),
    logger,
    concurrency: config.RECONCILE_CONCURRENCY,
    onRecordingsStored: deps.onRecordingsStored,
    signal: stopping.signal,
  };

  /** Lets stop() wait for runs that are writing their last page and closing their row. */
  function tracked<T>(work: Promise<T>): Promise<T> {
    active.add(work);
    return work.finally(() => active.delete(work));
  }

  /** One window; a backfill window never moves the watermark, which belongs to the scheduled sweep. */
  function reconcileWindow(
    sdkAppId: number,
    window: TimeWindow,
    options: { advanceWatermark: boolean; queuedRunId?: bigint } = { advanceWatermark: false },
  ): Promise<WindowRunResult> {
    return tracked(runWindow(windowDeps, sdkAppId, window, options));
  }

  /**
   * From the watermark (less the overlap) up to now less the lag, window by window. The watermark moves only over a
   * gapless run of succeeded windows. A window whose records could not all be read holds it there, but the windows
   * after it are still read (the calls in them are stored, the watermark stays); a window the API could not serve
   * ends the sweep, since the next ones would meet the same refusal.
   */
  async function sweep(sdkAppId: number): Promise<WindowRunResult[]> {
    const windows = sweepWindows(await readWatermark(prisma, sdkAppId), nowSec(), {
      lagSec: config.RECONCILE_LAG_SEC,
      overlapSec: config.RECONCILE_OVERLAP_SEC,
      initialLookbackSec: config.RECONCILE_INITIAL_LOOKBACK,
      maxWindowSec: config.RECONCILE_MAX_WINDOW_SEC,
    });
    const results: WindowRunResult[] = [];
    let gapless = true;
    for (const window of windows) {
      if (stopping.signal.aborted) break;
      const result = await reconcileWindow(sdkAppId, window, { advanceWatermark: gapless });
      results.push(result);
      if (!result.complete) break;
      if (result.status === "failed") gapless = false;
    }
    return results;
  }

  const failIfAnyFailed = (results: WindowRunResult[]) => {
    const failed = results.find((result) => result.status === "failed");
    // the run row already says why; failing the job too makes it visible in the queue and its logs
    if (failed && !failed.complete) throw new ReconcileRunFailedError(`reconcile run ${failed.runId} failed: ${failed.error}`);
    // every page was read: a retry would read the same unreadable records again
    if (failed) throw new UnrecoverableError(`reconcile run ${failed.runId} failed: ${failed.error}`);
    return results.map((result) => String(result.runId));
  };

  const sweepJob = defineJob({
    id: "reconcile-sweep",
    payload: appIdPayload,
    concurrency: Math.max(1, scheduledAppIds.length),
    handle: async ({ sdkAppId }) => failIfAnyFailed(await sweep(sdkAppId)),
  });

  /**
   * What the job scheduler fires. It only queues the sweep, deduplicated per application: a sweep that outlasts the
   * interval (catching up after an outage) is never joined by a second one reading the same windows.
   */
  const sweepTickJob = defineJob({
    id: "reconcile-tick",
    payload: appIdPayload,
    handle: async ({ sdkAppId }, { logger: jobLogger }) => {
      if (!scheduledAppIds.includes(sdkAppId)) {
        jobLogger.info({ sdkAppId }, "application no longer in TCCC_SDK_APP_IDS: not swept");
        return;
      }
      await jobs.enqueue(sweepJob, { sdkAppId }, { deduplication: { id: `reconcile-sweep-${sdkAppId}` } });
    },
  });

  const windowJob = defineJob({
    id: RECONCILE_WINDOW_QUEUE,
    payload: windowPayload,
    concurrency: 2,
    // a run interrupted by a stop is taken up again by another worker
    attempts: 3,
    backoffMs: 30_000,
    handle: async ({ sdkAppId, start, end, runId }) =>
      failIfAnyFailed([await reconcileWindow(sdkAppId, { start, end }, { advanceWatermark: false, queuedRunId: runId ? BigInt(runId) : undefined })]),
  });

  /**
   * Queues one job per window of the range. Idempotent: a window already queued or running is not queued twice, and
   * a window read again changes nothing that is already stored.
   */
  async function requestBackfill(sdkAppId: number, from: Date, to: Date): Promise<BackfillRequest> {
    const windows = backfillWindows(Math.floor(from.getTime() / 1000), Math.ceil(to.getTime() / 1000), nowSec(), config.RECONCILE_MAX_WINDOW_SEC);
    const requestedAt = new Date();
    const runIds: bigint[] = [];
    for (const window of windows) {
      const runId = await queueRun(prisma, sdkAppId, window);
      runIds.push(runId);
      await jobs.enqueue(
        windowJob,
        { sdkAppId, ...window, runId: String(runId) },
        { deduplication: { id: `reconcile-window-${sdkAppId}-${window.start}-${window.end}` } },
      );
    }
    logger.info({ sdkAppId, from, to, windows: windows.length }, "backfill queued");
    return { sdkAppId, windows, runIds, requestedAt };
  }

  async function backfillProgress(request: BackfillRequest): Promise<BackfillProgress> {
    const runs = await runsForWindows(prisma, request.sdkAppId, request.windows, request.requestedAt);
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

  /** One scheduler per configured application, upserted under a lock (see BullMQ's concurrency bugs). */
  function declareSchedules(): Promise<void> {
    return withRedisLock(redis, `${config.QUEUE_PREFIX}:reconcile-schedule-lock`, SCHEDULE_LOCK_TTL_MS, async () => {
      for (const sdkAppId of scheduledAppIds) {
        await jobs.schedule(sweepTickJob, `reconcile-sweep-${sdkAppId}`, config.RECONCILE_INTERVAL_SEC * 1000, { sdkAppId });
      }
    });
  }

  /** Workers, and the schedulers of the configured applications. */
  async function start(): Promise<void> {
    for (const definition of [sweepTickJob, sweepJob, windowJob]) jobs.startWorker(definition);
    if (scheduledAppIds.length === 0) {
      logger.info("reconciliation: TCCC_SDK_APP_IDS is empty, no scheduled sweep (backfill only)");
      return;
    }
    await jobs.declareSchedules("reconciliation sweeps", declareSchedules);
    logger.info({ sdkAppIds: scheduledAppIds, intervalSec: config.RECONCILE_INTERVAL_SEC }, "reconciliation scheduled");
  }

  /** Interrupts runs (each closes its row as failed; the next run reads the window again), then closes Redis. */
  async function stop(): Promise<void> {
    stopping.abort(new Error("service stopping"));
    await Promise.allSettled([...active]);
    await redis.quit().catch(() => redis.disconnect());
  }

  const queueIds = [sweepTickJob.id, sweepJob.id, windowJob.id];

  return { sweep, reconcileWindow, requestBackfill, backfillProgress, start, stop, queueIds };
}

export type ReconciliationService = NonNullable<ReturnType<typeof createReconciliationService>>;
