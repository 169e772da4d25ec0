import { z } from "zod";
import type { AppConfig } from "../config/env";
import { PROJECT_ROOT } from "../config/project-root";
import { defineJob } from "../jobs/job-definition";
import type { JobQueues } from "../jobs/job-queues";
import type { Logger } from "../logging/logger";
import type { Metrics } from "../observability/metrics";
import type { Sql } from "../persistence/database";
import { findTracksToSweep } from "../persistence/recordings-repository";
import { MIRROR_LEASE_MS, mirrorTrack } from "./mirror-track";
import { createStorage } from "./storage/create-storage";

export type MirrorConfig = Pick<
  AppConfig,
  | "MIRROR_ENABLED"
  | "STORAGE_URL"
  | "S3_ENDPOINT"
  | "S3_REGION"
  | "S3_FORCE_PATH_STYLE"
  | "S3_ACCESS_KEY_ID"
  | "S3_SECRET_ACCESS_KEY"
  | "MIRROR_ALLOWED_HOSTS"
  | "MIRROR_CUSTOM_RECORD_URL"
  | "MIRROR_CONCURRENCY"
  | "MIRROR_MAX_ATTEMPTS"
  | "MIRROR_RETRY_DELAY_MS"
  | "MIRROR_FETCH_TIMEOUT_MS"
  | "MIRROR_MAX_BYTES"
  | "MIRROR_ATTEMPT_DEADLINE_MS"
  | "MIRROR_SWEEP_INTERVAL_MS"
  | "MIRROR_SWEEP_MIN_AGE_MS"
  | "MIRROR_SWEEP_BATCH"
>;

export interface RecordingMirrorDependencies {
  config: MirrorConfig;
  jobs: JobQueues;
  sql: Sql;
  logger: Logger;
  metrics?: Pick<Metrics, "mirrorAttempts" | "mirrorBytes">;
}

export const MIRROR_QUEUE = "recording-mirror";
const SWEEP_SCHEDULER = "recording-mirror-sweep";

/**
 * Copies every recording track into the customer's storage: one BullMQ job per track, queued when a row gains a URL
 * (by push or reconciliation) and again by a periodic sweep of PostgreSQL, which is the source of truth.
 */
export function createRecordingMirror(deps: RecordingMirrorDependencies) {
  const { config, jobs, sql, logger } = deps;
  const storage = createStorage(config, PROJECT_ROOT, logger);
  const trackDependencies = {
    sql,
    storage,
    fetch: { allowlist: config.MIRROR_ALLOWED_HOSTS, idleTimeoutMs: config.MIRROR_FETCH_TIMEOUT_MS },
    customRecordUrl: config.MIRROR_CUSTOM_RECORD_URL,
    maxAttempts: config.MIRROR_MAX_ATTEMPTS,
    maxBytes: config.MIRROR_MAX_BYTES,
    attemptDeadlineMs: config.MIRROR_ATTEMPT_DEADLINE_MS,
  };

  /**
   * Removes the half-written files of copies whose worker died. Only files older than any live copy's: that one holds
   * its lease and writes at least every MIRROR_FETCH_TIMEOUT_MS.
   */
  async function removeAbandonedFiles(): Promise<void> {
    try {
      const removed = await storage.removeAbandoned?.(Math.max(MIRROR_LEASE_MS, config.MIRROR_FETCH_TIMEOUT_MS));
      if (removed) logger.info({ removed, storage: storage.location }, "removed half-written files that copies killed mid-way had left");
    } catch (error) {
      // worth a line, not a stop: the mirror and the sweep's re-queueing do not depend on it
      logger.warn({ err: error, storage: storage.location }, "could not remove abandoned half-written files");
    }
  }

  const mirrorJob = defineJob({
    id: MIRROR_QUEUE,
    payload: z.object({ recordingId: z.string().regex(/^\d+$/) }),
    concurrency: config.MIRROR_CONCURRENCY,
    attempts: config.MIRROR_MAX_ATTEMPTS,
    backoffMs: config.MIRROR_RETRY_DELAY_MS,
    backoffJitter: 0.5,
    async handle({ recordingId }, context) {
      const result = await mirrorTrack(BigInt(recordingId), { ...trackDependencies, logger: context.logger });
      deps.metrics?.mirrorAttempts.inc({ outcome: result.outcome });
      if (result.outcome === "mirrored") deps.metrics?.mirrorBytes.inc(result.object.sizeBytes);
      // throwing hands the retry, with backoff, to BullMQ; the row already says why
      if (result.outcome === "retry") throw result.error;
      return result.outcome;
    },
  });

  const sweepJob = defineJob({
    id: `${MIRROR_QUEUE}-sweep`,
    payload: z.object({}),
    async handle() {
      await removeAbandonedFiles();
      const ids = await findTracksToSweep(sql, { minAgeMs: config.MIRROR_SWEEP_MIN_AGE_MS, limit: config.MIRROR_SWEEP_BATCH });
      await queueMirrorJobs(ids);
      if (ids.length > 0) logger.info({ queued: ids.length }, "mirror sweep re-queued pending recordings");
      return { queued: ids.length };
    },
  });

  /**
   * Queues one mirror job per recording. The job id derives from the row id, so asking twice while a job waits or
   * runs adds nothing; finished jobs are removed, since the row (not Redis) says whether a track is done.
   */
  async function queueMirrorJobs(recordingIds: readonly bigint[]): Promise<void> {
    if (!config.MIRROR_ENABLED) return;
    await Promise.all(
      recordingIds.map((id) =>
        jobs.enqueue(mirrorJob, { recordingId: id.toString() }, { jobKey: id.toString(), removeOnComplete: true, removeOnFail: true }),
      ),
    );
  }

  /** Starts this process's mirror worker and (re)declares the sweep; for processes that run background jobs. */
  async function start(): Promise<void> {
    if (!config.MIRROR_ENABLED) {
      logger.info("recording mirror disabled (MIRROR_ENABLED=false): tracks stay pending");
      return;
    }
    await removeAbandonedFiles();
    jobs.startWorker(mirrorJob);
    if (config.MIRROR_SWEEP_INTERVAL_MS > 0) {
      jobs.startWorker(sweepJob);
      await jobs.declareSchedules("mirror sweep", () => jobs.schedule(sweepJob, SWEEP_SCHEDULER, config.MIRROR_SWEEP_INTERVAL_MS, {}));
    }
    logger.info({ storage: storage.location, concurrency: config.MIRROR_CONCURRENCY }, "recording mirror started");
  }

  return { queueMirrorJobs, start, close: () => storage.close(), queueIds: [mirrorJob.id, sweepJob.id] };
}

export type RecordingMirror = ReturnType<typeof createRecordingMirror>;
