import type { Readable } from "node:stream";

/** What a row claims about its object, and what an object turns out to hold. */
export interface ObjectDigest {
  sizeBytes: number;
  /** hex sha256 of every byte */
  sha256: string;
}

export interface IncomingObject {
  key: string;
  /** Consumed by put. */
  body: Readable;
  contentType: string;
  /** Size and sha256 of the whole body; called only once the body has ended without error. */
  digest(): ObjectDigest;
  /** Aborting it stops the write (deadline, lease lost); nothing is published then. */
  signal?: AbortSignal;
}

/** `already-present`: an object with the same size and sha256 held the key already (a retry after a crash). */
export type PutOutcome = "created" | "already-present";

export interface OpenedObject {
  sizeBytes: number;
  /** The caller consumes or destroys it. */
  body: Readable;
}

export interface StoredObject {
  key: string;
  sizeBytes: number;
  modifiedAt: Date;
}

/**
 * Where mirrored recordings go. An object appears under its key only once complete, and a key once taken is never
 * given to other bytes: put refuses to replace an object with different content (ObjectConflictError, both named).
 */
export interface RecordingStorage {
  /** Where objects go, for logs: never carries credentials. */
  readonly location: string;
  /** Publishes the whole body under its key; rejects, leaving nothing under the key, if the body fails or is stopped. */
  put(object: IncomingObject): Promise<PutOutcome>;
  /** The object under key; undefined when there is none. */
  open(key: string): Promise<OpenedObject | undefined>;
  /** Every published object whose key starts with prefix (`""` for all), in no particular order. */
  list(prefix: string): AsyncIterable<StoredObject>;
  /**
   * Removes what writers that died mid-copy left behind, once older than `olderThanMs`; returns how many. Only for
   * backends that leave something (the S3 store keeps an upload's parts out of sight; see the README for them).
   */
  removeAbandoned?(olderThanMs: number): Promise<number>;
  close(): void;
}
