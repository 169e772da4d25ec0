import type { Logger } from "../logging/logger";
import type { Sql } from "../persistence/database";
import { DigestStream } from "./digest-stream";
import { LeaseLostError, MirrorError, StorageWriteError, TransientSourceError, describeError } from "./mirror-errors";
import { claimTrack, recordFailedAttempt, recordMirrored, renewLease, skipCustomRecording, type ClaimedTrack, type MirroredObject } from "./mirror-repository";
import { objectFormat, objectKey } from "./object-key";
import { openSource, type SafeFetchOptions } from "./safe-fetch";
import type { RecordingStorage } from "./storage/recording-storage";

export type CustomRecordUrlPolicy = "skip" | "mirror";

export interface MirrorTrackDependencies {
  sql: Sql;
  storage: RecordingStorage;
  fetch: Omit<SafeFetchOptions, "signal">;
  customRecordUrl: CustomRecordUrlPolicy;
  maxAttempts: number;
  logger: Logger;
  /** How long a claim holds the track without renewal; renewed at a third of it while the copy runs. */
  leaseMs?: number;
}

export type MirrorResult =
  | { outcome: "mirrored"; object: MirroredObject }
  | { outcome: "skipped" | "failed" | "not-pending" }
  /** The attempt failed in a way that may pass; the caller schedules another one. */
  | { outcome: "retry"; error: Error };

const DEFAULT_LEASE_MS = 120_000;
const CUSTOM_RECORD_URL_REASON = "skipped: already in the customer's own bucket (CustomRecordURL); MIRROR_CUSTOM_RECORD_URL=mirror copies it too";

/**
 * Mirrors one track, at most once however often and however concurrently it is asked: only the holder of the row's
 * lease copies, and the row records the outcome of every attempt.
 */
export async function mirrorTrack(recordingId: bigint, deps: MirrorTrackDependencies): Promise<MirrorResult> {
  const { sql, logger } = deps;
  if (deps.customRecordUrl === "skip" && (await skipCustomRecording(sql, recordingId, CUSTOM_RECORD_URL_REASON))) {
    logger.info({ recordingId }, "recording skipped: it has a CustomRecordURL");
    return { outcome: "skipped" };
  }
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  const track = await claimTrack(sql, recordingId, leaseMs);
  if (!track) return { outcome: "not-pending" };

  const started = Date.now();
  try {
    const object = await holdingLease(track, sql, leaseMs, logger, (signal) => copyToStorage(track, deps, signal));
    if (!(await recordMirrored(sql, track, object))) logger.warn({ recordingId }, "lease lost before the result was recorded; the new holder records it");
    logger.info({ recordingId, storageKey: object.storageKey, sizeBytes: object.sizeBytes, ms: Date.now() - started }, "recording mirrored");
    return { outcome: "mirrored", object };
  } catch (error) {
    const retryable = !(error instanceof MirrorError) || error.retryable;
    const final = !retryable || track.attempts >= deps.maxAttempts;
    const reason = final && retryable ? `gave up after ${track.attempts} attempts: ${describeError(error)}` : describeError(error);
    await recordFailedAttempt(sql, track, reason, final ? "failed" : "pending");
    logger.warn({ recordingId, attempt: track.attempts, final, reason }, "recording mirror attempt failed");
    return final ? { outcome: "failed" } : { outcome: "retry", error: error instanceof Error ? error : new Error(reason) };
  }
}

/** Keeps the lease alive while `work` runs; stops the work if another worker took the track over. */
async function holdingLease<T>(track: ClaimedTrack, sql: Sql, leaseMs: number, logger: Logger, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const renewal = setInterval(() => {
    renewLease(sql, track, leaseMs).then(
      (held) => held || controller.abort(new LeaseLostError("another worker took the track over")),
      (error: unknown) => logger.warn({ err: error, recordingId: track.id }, "could not renew the mirror lease"),
    );
  }, leaseMs / 3);
  try {
    return await work(controller.signal);
  } finally {
    clearInterval(renewal);
  }
}

/**
 * Streams the source into storage through a DigestStream, so nothing is held whole in memory and size and sha256
 * describe the bytes stored. When both ends fail, the source's failure is reported: a store that aborts an upload
 * whose body broke often reports its own, less telling error.
 */
async function copyToStorage(track: ClaimedTrack, deps: MirrorTrackDependencies, signal: AbortSignal): Promise<MirroredObject> {
  // with MIRROR_CUSTOM_RECORD_URL=mirror the vendor's RecordURL is still the source: the customer's bucket is usually
  // private to us, while the RecordURL is readable as given
  const source = await openSource(track.recordUrl, { ...deps.fetch, signal });
  const format = objectFormat(source.url, source.contentType);
  const storageKey = objectKey(track, format);
  const digest = new DigestStream(source.contentLength);
  let sourceFailure: MirrorError | undefined;
  source.body.on("error", (error) => {
    sourceFailure ??= error instanceof MirrorError ? error : new TransientSourceError(`connection to ${source.url.host} cut after ${digest.bytesSeen} bytes: ${describeError(error)}`, { cause: error });
    digest.destroy(sourceFailure);
  });
  digest.on("error", (error) => {
    if (error instanceof MirrorError) sourceFailure ??= error;
  });
  try {
    await deps.storage.put(storageKey, source.body.pipe(digest), format.contentType);
  } catch (error) {
    throw sourceFailure ?? new StorageWriteError(`cannot write to ${deps.storage.location}: ${describeError(error)}`, { cause: error });
  } finally {
    source.body.destroy();
  }
  return { storageKey, ...digest.result() };
}
