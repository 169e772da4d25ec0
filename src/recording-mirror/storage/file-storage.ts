import { randomUUID } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { pathToFileURL } from "node:url";
import { DurableFileSink } from "./file-sink";
import type { RecordingStorage } from "./recording-storage";

/** Half-written files live here, on the same file system as their final place, so the last step is one rename. */
export const INCOMING_DIR = ".incoming";

export function createFileStorage(directory: string): RecordingStorage {
  const root = path.resolve(directory);
  const incoming = path.join(root, INCOMING_DIR);
  return {
    location: pathToFileURL(root).href,

    async put(key: string, body: Readable): Promise<void> {
      const finalPath = path.join(root, ...key.split("/"));
      if (!finalPath.startsWith(root + path.sep) || finalPath.startsWith(incoming + path.sep)) throw new Error(`object key escapes the storage root: ${key}`);
      await mkdir(incoming, { recursive: true });
      await mkdir(path.dirname(finalPath), { recursive: true });
      const temporary = path.join(incoming, `${randomUUID()}.part`);
      try {
        // the row will say `mirrored`: the bytes (fsync'ed by the sink before it finishes) and the new name must
        // survive a power cut before it does
        await pipeline(body, new DurableFileSink(temporary));
        await rename(temporary, finalPath);
        await syncPath(path.dirname(finalPath));
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    },

    close() {},
  };
}

async function syncPath(target: string): Promise<void> {
  const handle = await open(target, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
