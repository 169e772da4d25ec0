import type { Logger } from "../logging/logger";
import type { Sql } from "../persistence/database";
import { DigestStream } from "./digest-stream";
import {
  AttemptDeadlineError,
  LeaseLostError,
  MirrorError,
  RecordingTooLargeError,
  StorageWriteError,
  TransientSourceError,
  describeError,
} from "./mirror-errors";
import { claimTrack, recordFailedAttempt, recordMirrored, renewLease, skipCustomRecording, type ClaimedTrack, type MirroredObject } from "../persistence/recordings-repository";
import { objectFormat, objectKey } from "./object-key";
import { openSource, type SafeFetchOptions } from "./safe-fetch";
import type { PutOutcome, RecordingStorage } from "./storage/recording-storage";

export type CustomRecordUrlPolicy = "skip" | "mirror";

export interface MirrorTrackDependencies {
  sql: Sql;
  storage: RecordingStorage;
  fetch: Omit<SafeFetchOptions, "signal">;
  customRecordUrl: CustomRecordUrlPolicy;
  maxAttempts: number;
  /** MIRROR_MAX_BYTES: a larger recording is refused, before its first byte when its Content-Length says so. */
  maxBytes: number;
  /** MIRROR_ATTEMPT_DEADLINE_MS: the longest one attempt may take, from the claim to the stored object. */
  attemptDeadlineMs: number;
  logger: Logger;
  /** How long a claim holds the track without renewal; renewed at a third of it while the copy runs. */
  leaseMs?: number;
}

export type MirrorResult =
  | { outcome: "mirrored"; object: MirroredObject }
  | { outcome: "skipped" | "failed" | "not-pending" }
  /** The attempt failed in a way that may pass; the caller schedules another one. */
  | { outcome: "retry"; error: Error };

/** A worker that died mid-copy keeps its track this long; its half-written file is abandoned after as long. */
export const MIRROR_LEASE_MS = 120_000;
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
  const leaseMs = deps.leaseMs ?? MIRROR_LEASE_MS;
  const track = await claimTrack(sql, recordingId, leaseMs);
  if (!track) return { outcome: "not-pending" };

  const started = Date.now();
  try {
    const { outcome, ...object } = await withinAttempt(track, deps, leaseMs, (signal) => copyToStorage(track, deps, signal));
    if (!(await recordMirrored(sql, track, object))) logger.warn({ recordingId }, "lease lost before the result was recorded; the new holder records it");
    logger.info(
      { recordingId, storageKey: object.storageKey, sizeBytes: object.sizeBytes, alreadyStored: outcome === "already-present", ms: Date.now() - started },
      "recording mirrored",
    );
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

/**
 * Runs one attempt under its two limits: the lease, kept alive while `work` runs, and the attempt's deadline. Either
 * one ending aborts the signal `work` is given, with the reason as a MirrorError.
 */
async function withinAttempt<T>(track: ClaimedTrack, deps: MirrorTrackDependencies, leaseMs: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const renewal = setInterval(() => {
    renewLease(deps.sql, track, leaseMs).then(
      (held) => held || controller.abort(new LeaseLostError("another worker took the track over")),
      (error: unknown) => deps.logger.warn({ err: error, recordingId: track.id }, "could not renew the mirror lease"),
    );
  }, leaseMs / 3);
  const deadline = setTimeout(() => controller.abort(new AttemptDeadlineError(deps.attemptDeadlineMs)), deps.attemptDeadlineMs);
  try {
    return await work(controller.signal);
  } finally {
    clearInterval(renewal);
    clearTimeout(deadline);
  }
}

/**
 * Streams the source into storage through a DigestStream, so nothing is held whole in memory and size and sha256
 * describe the bytes stored. Of several failures the first cause is reported: an attempt that was stopped says why
 * it was stopped, and a store that aborts an upload whose body broke often reports its own, less telling error.
 */
async function copyToStorage(track: ClaimedTrack, deps: MirrorTrackDependencies, signal: AbortSignal): Promise<MirroredObject & { outcome: PutOutcome }> {
  let progress = () => "before the source answered";
  try {
    // with MIRROR_CUSTOM_RECORD_URL=mirror the vendor's RecordURL is still the source: the customer's bucket is usually
    // private to us, while the RecordURL is readable as given
    const source = await openSource(track.recordUrl, { ...deps.fetch, signal });
    try {
      if (source.contentLength !== undefined && source.contentLength > deps.maxBytes) {
        throw new RecordingTooLargeError(`refused: ${source.url.host} announced ${source.contentLength} bytes (Content-Length), more than MIRROR_MAX_BYTES (${deps.maxBytes})`);
      }
      const format = objectFormat(source.url, source.contentType);
      const storageKey = objectKey(track, format);
      const received = new DigestStream(source.contentLength, deps.maxBytes);
      progress = () => `with ${received.bytesSeen} of ${source.contentLength ?? "an unknown number of"} bytes received from ${source.url.host}`;
      let firstFailure: MirrorError | undefined;
      source.body.on("error", (error) => {
        firstFailure ??= error instanceof MirrorError ? error : new TransientSourceError(`connection to ${source.url.host} cut after ${received.bytesSeen} bytes: ${describeError(error)}`, { cause: error });
        received.destroy(firstFailure);
      });
      received.on("error", (error) => {
        if (error instanceof MirrorError) firstFailure ??= error;
      });
      try {
        const outcome = await deps.storage.put({ key: storageKey, body: source.body.pipe(received), contentType: format.contentType, digest: () => received.result(), signal });
        return { storageKey, ...received.result(), outcome };
      } catch (error) {
        throw firstFailure ?? (error instanceof MirrorError ? error : new StorageWriteError(`cannot write to ${deps.storage.location}: ${describeError(error)}`, { cause: error }));
      }
    } finally {
      source.body.destroy();
    }
  } catch (error) {
    throw signal.aborted ? whyStopped(signal.reason, progress()) : error;
  }
}

/** The reason the attempt's signal carries, with how far the copy had come when it was stopped. */
function whyStopped(reason: unknown, progress: string): unknown {
  return reason instanceof AttemptDeadlineError ? new AttemptDeadlineError(reason.deadlineMs, `${reason.message}, ${progress}`) : reason;
}
