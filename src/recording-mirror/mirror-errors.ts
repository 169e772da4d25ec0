/**
 * Why a mirror attempt did not succeed. `retryable` decides between another attempt later and ending the track as
 * `failed`; the message is what an operator reads in recordings.mirror_error, so it names the cause plainly.
 */
export abstract class MirrorError extends Error {
  abstract readonly retryable: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The URL is not one we may fetch (scheme, host, port or address); nothing was requested from it. */
export class RefusedUrlError extends MirrorError {
  readonly retryable = false;
}

/** The source answered with a status that a retry cannot change (403/404/410: the URL expired or was revoked). */
export class SourceRejectedError extends MirrorError {
  readonly retryable = false;

  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** The source failed in a way that may pass: 5xx, 429, a timeout, a connection cut, a short body. */
export class TransientSourceError extends MirrorError {
  readonly retryable = true;
}

/** The recording is larger than MIRROR_MAX_BYTES: it stays so however often it is asked for. */
export class RecordingTooLargeError extends MirrorError {
  readonly retryable = false;
}

/** The attempt ran past MIRROR_ATTEMPT_DEADLINE_MS (a source that trickles or never ends); a later one may be faster. */
export class AttemptDeadlineError extends MirrorError {
  readonly retryable = true;

  constructor(readonly deadlineMs: number, message = `stopped after MIRROR_ATTEMPT_DEADLINE_MS (${deadlineMs} ms)`) {
    super(message);
  }
}

/**
 * Another object already holds the key, with other content. Never replaced: which of the two is right is for a person
 * to decide (move the stored one aside, then remirror), and asking again would find the same object.
 */
export class ObjectConflictError extends MirrorError {
  readonly retryable = false;
}

/** Writing the object failed (store unreachable, disk full): worth another attempt. */
export class StorageWriteError extends MirrorError {
  readonly retryable = true;
}

/** Another worker holds the track's lease; this attempt stopped so only one object is ever written. */
export class LeaseLostError extends MirrorError {
  readonly retryable = true;
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
