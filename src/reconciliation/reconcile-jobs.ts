import { UnrecoverableError } from "bullmq";
import { z } from "zod";
import { defineJob } from "../jobs/job-definition";
import type { JobQueues } from "../jobs/job-queues";
import type { WindowRunResult } from "./run-window";
import type { TimeWindow } from "./windows";

/** The jobs of reconciliation, defined at module level: whoever holds a JobQueues can queue them. */

export class ReconcileRunFailedError extends Error {
  override readonly name = "ReconcileRunFailedError";
}

const appIdPayload = z.object({ sdkAppId: z.number().int().positive() });
const windowPayload = appIdPayload.extend({ start: z.number().int(), end: z.number().int(), runId: z.string().regex(/^\d+$/).optional() });

function failIfAnyFailed(results: WindowRunResult[]): string[] {
  const failed = results.find((result) => result.status === "failed");
  // the run row already says why; failing the job too makes it visible in the queue and its logs
  if (failed && !failed.complete) throw new ReconcileRunFailedError(`reconcile run ${failed.runId} failed: ${failed.error}`);
  // every page was read: a retry would read the same unreadable records again
  if (failed) throw new UnrecoverableError(`reconcile run ${failed.runId} failed: ${failed.error}`);
  return results.map((result) => String(result.runId));
}

/** A scheduled sweep of one application, from its watermark up to now less the lag. */
export const reconcileSweepJob = defineJob({
  id: "reconcile-sweep",
  payload: appIdPayload,
  createHandler: (sweep: (sdkAppId: number) => Promise<WindowRunResult[]>) =>
    async function sweepApplication({ sdkAppId }) {
      return failIfAnyFailed(await sweep(sdkAppId));
    },
});

/**
 * What the job scheduler fires. It only queues the sweep, deduplicated per application: a sweep that outlasts the
 * interval (catching up after an outage) is never joined by a second one reading the same windows.
 */
export const reconcileTickJob = defineJob({
  id: "reconcile-tick",
  payload: appIdPayload,
  createHandler: (deps: { jobs: JobQueues; scheduledAppIds: readonly number[] }) =>
    async function queueSweep({ sdkAppId }, { logger }) {
      if (!deps.scheduledAppIds.includes(sdkAppId)) {
        logger.info({ sdkAppId }, "application no longer in TCCC_SDK_APP_IDS: not swept");
        return;
      }
      await deps.jobs.enqueue(reconcileSweepJob, { sdkAppId }, { deduplication: { id: `reconcile-sweep-${sdkAppId}` } });
    },
});

export type ReconcileWindow = (sdkAppId: number, window: TimeWindow, options: { advanceWatermark: boolean; queuedRunId?: bigint }) => Promise<WindowRunResult>;

/** One backfill window; it never moves the watermark, which belongs to the scheduled sweep. */
export const reconcileWindowJob = defineJob({
  id: "reconcile-window",
  payload: windowPayload,
  concurrency: 2,
  // a run interrupted by a stop is taken up again by another worker
  attempts: 3,
  backoffMs: 30_000,
  createHandler: (reconcileWindow: ReconcileWindow) =>
    async function reconcileBackfillWindow({ sdkAppId, start, end, runId }) {
      return failIfAnyFailed([await reconcileWindow(sdkAppId, { start, end }, { advanceWatermark: false, queuedRunId: runId ? BigInt(runId) : undefined })]);
    },
});

/** The queues reconciliation's jobs wait in. */
export const RECONCILE_QUEUE_IDS = [reconcileTickJob.id, reconcileSweepJob.id, reconcileWindowJob.id];
