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
