import { z } from "zod";
import type { AppConfig } from "../config/env";
import { defineJob } from "../jobs/job-definition";
import type { JobQueues } from "../jobs/job-queues";
import type { Metrics } from "../observability/metrics";
import type { Sql } from "../persistence/database";
import { findTracksToSweep } from "../persistence/recordings-repository";
import { mirrorTrack, type MirrorTrackDependencies } from "./mirror-track";

/** What queueing a mirror job needs to know: whether the mirror is on, and how its jobs are retried. */
export type MirrorQueueConfig = Pick<AppConfig, "MIRROR_ENABLED" | "MIRROR_MAX_ATTEMPTS" | "MIRROR_RETRY_DELAY_MS">;

export const mirrorTrackJob = defineJob({
  id: "recording-mirror",
  payload: z.object({ recordingId: z.string().regex(/^\d+$/) }),
  backoffJitter: 0.5,
  createHandler: (deps: { track: Omit<MirrorTrackDependencies, "logger">; metrics?: Pick<Metrics, "mirrorAttempts" | "mirrorBytes"> }) =>
    async function mirrorOneTrack({ recordingId }, context) {
      const result = await mirrorTrack(BigInt(recordingId), { ...deps.track, logger: context.logger });
      deps.metrics?.mirrorAttempts.inc({ outcome: result.outcome });
      if (result.outcome === "mirrored") deps.metrics?.mirrorBytes.inc(result.object.sizeBytes);
      // throwing hands the retry, with backoff, to BullMQ; the row already says why
      if (result.outcome === "retry") throw result.error;
      return result.outcome;
    },
});

/**
 * Queues one mirror job per recording. The job id derives from the row id, so asking twice while a job waits or
 * runs adds nothing; finished jobs are removed, since the row (not Redis) says whether a track is done. Needs only
 * Redis: the service's workers do the copy, whoever queued it (an intake, a replay, the CLI).
 */
export async function queueMirrorJobs(jobs: JobQueues, config: MirrorQueueConfig, recordingIds: readonly bigint[]): Promise<void> {
  if (!config.MIRROR_ENABLED) return;
  await Promise.all(
    recordingIds.map((id) =>
      jobs.enqueue(
        mirrorTrackJob,
        { recordingId: id.toString() },
        {
          jobKey: id.toString(),
          attempts: config.MIRROR_MAX_ATTEMPTS,
          backoff: { type: "exponential", delay: config.MIRROR_RETRY_DELAY_MS, jitter: mirrorTrackJob.backoffJitter },
          removeOnComplete: true,
          removeOnFail: true,
        },
      ),
    ),
  );
}

export interface MirrorSweepDependencies {
  sql: Sql;
  config: Pick<AppConfig, "MIRROR_SWEEP_MIN_AGE_MS" | "MIRROR_SWEEP_BATCH">;
  removeAbandonedFiles(): Promise<void>;
  queueMirrorJobs(recordingIds: readonly bigint[]): Promise<void>;
}

/** Re-queues pending tracks from PostgreSQL, the source of truth: a lost Redis or a crash skips nothing. */
export const mirrorSweepJob = defineJob({
  id: "recording-mirror-sweep",
  payload: z.object({}),
  createHandler: (deps: MirrorSweepDependencies) =>
    async function sweepPendingTracks(_payload, { logger }) {
      await deps.removeAbandonedFiles();
      const ids = await findTracksToSweep(deps.sql, { minAgeMs: deps.config.MIRROR_SWEEP_MIN_AGE_MS, limit: deps.config.MIRROR_SWEEP_BATCH });
      await deps.queueMirrorJobs(ids);
      if (ids.length > 0) logger.info({ queued: ids.length }, "mirror sweep re-queued pending recordings");
      return { queued: ids.length };
    },
});
