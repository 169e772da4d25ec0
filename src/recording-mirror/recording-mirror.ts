import type { AppConfig } from "../config/env";
import type { JobQueues } from "../jobs/job-queues";
import type { Logger } from "../logging/logger";
import type { Metrics } from "../observability/metrics";
import type { Sql } from "../persistence/database";
import { mirrorSweepJob, mirrorTrackJob, queueMirrorJobs } from "./mirror-jobs";
import { MIRROR_LEASE_MS } from "./mirror-track";
import type { RecordingStorage } from "./storage/recording-storage";

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
  /** Built once, by the composition root, from STORAGE_URL. */
  storage: RecordingStorage;
  logger: Logger;
  metrics?: Pick<Metrics, "mirrorAttempts" | "mirrorBytes">;
}

const SWEEP_SCHEDULER = "recording-mirror-sweep";

/**
 * Copies every recording track into the customer's storage: one BullMQ job per track, queued when a row gains a URL
 * (by push or reconciliation) and again by a periodic sweep of PostgreSQL, which is the source of truth.
 */
export function createRecordingMirror(deps: RecordingMirrorDependencies) {
  const { config, jobs, sql, storage, logger } = deps;
  const track = {
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

  const queue = (recordingIds: readonly bigint[]) => queueMirrorJobs(jobs, config, recordingIds);

  /** Starts this process's mirror worker and (re)declares the sweep; for processes that run background jobs. */
  async function start(): Promise<void> {
    if (!config.MIRROR_ENABLED) {
      logger.info("recording mirror disabled (MIRROR_ENABLED=false): tracks stay pending");
      return;
    }
    await removeAbandonedFiles();
    jobs.startWorker(mirrorTrackJob, { track, metrics: deps.metrics }, { concurrency: config.MIRROR_CONCURRENCY });
    if (config.MIRROR_SWEEP_INTERVAL_MS > 0) {
      jobs.startWorker(mirrorSweepJob, { sql, config, removeAbandonedFiles, queueMirrorJobs: queue });
      await jobs.declareSchedules("mirror sweep", () => jobs.schedule(mirrorSweepJob, SWEEP_SCHEDULER, config.MIRROR_SWEEP_INTERVAL_MS, {}));
    }
    logger.info({ storage: storage.location, concurrency: config.MIRROR_CONCURRENCY }, "recording mirror started");
  }

  return { start };
}

/** The queues the mirror's jobs wait in. */
export const MIRROR_QUEUE_IDS = [mirrorTrackJob.id, mirrorSweepJob.id];

export type RecordingMirror = ReturnType<typeof createRecordingMirror>;
