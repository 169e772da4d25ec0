import type { Readable } from "node:stream";

/** Where mirrored recordings go. Implementations make an object visible under its key only once it is complete. */
export interface RecordingStorage {
  /** Where objects go, for logs: never carries credentials. */
  readonly location: string;
  /** Stores the whole body under key, replacing an object already there; rejects (leaving nothing) if body fails. */
  put(key: string, body: Readable, contentType: string): Promise<void>;
  close(): void;
}
