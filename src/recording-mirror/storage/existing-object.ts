import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { ObjectConflictError, StorageWriteError } from "../mirror-errors";
import type { ObjectDigest, OpenedObject, PutOutcome } from "./recording-storage";

/** Size and sha256 of a stream, read to its end one chunk at a time. */
export async function digestOf(body: Readable): Promise<ObjectDigest> {
  const hash = createHash("sha256");
  let sizeBytes = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    hash.update(chunk);
    sizeBytes += chunk.length;
  }
  return { sizeBytes, sha256: hash.digest("hex") };
}

/**
 * Decides a publish that found its key taken: the same bytes are a retry after a crash (success, nothing written);
 * other bytes are refused, naming both, and the stored object stays exactly as it was.
 */
export async function settleWithExisting(where: string, existing: OpenedObject | undefined, incoming: ObjectDigest): Promise<PutOutcome> {
  // the key was taken a moment ago: a store that lets objects vanish is worth another attempt, not a verdict
  if (!existing) throw new StorageWriteError(`${where} existed a moment ago and is gone now`);
  const stored = await digestOf(existing.body);
  if (stored.sizeBytes === incoming.sizeBytes && stored.sha256 === incoming.sha256) return "already-present";
  throw new ObjectConflictError(
    `refused to replace ${where}: it holds ${stored.sizeBytes} bytes with sha256 ${stored.sha256}, this copy has ` +
      `${incoming.sizeBytes} bytes with sha256 ${incoming.sha256}; the stored object was left as it is`,
  );
}
