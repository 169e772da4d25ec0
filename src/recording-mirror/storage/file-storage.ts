import { randomUUID } from "node:crypto";
import { link, mkdir, open, opendir, rm, stat, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { pathToFileURL } from "node:url";
import { settleWithExisting } from "./existing-object";
import { DurableFileSink } from "./file-sink";
import type { IncomingObject, OpenedObject, PutOutcome, RecordingStorage, StoredObject } from "./recording-storage";

/** Half-written files live here, on the same file system as their final place, so the last step is one link. */
export const INCOMING_DIR = ".incoming";
const PART_SUFFIX = ".part";

const hasCode = (error: unknown, code: string) => (error as NodeJS.ErrnoException).code === code;

export function createFileStorage(directory: string): RecordingStorage {
  const root = path.resolve(directory);
  const incoming = path.join(root, INCOMING_DIR);
  const location = pathToFileURL(root).href;

  function pathOf(key: string): string {
    const finalPath = path.join(root, ...key.split("/"));
    if (!finalPath.startsWith(root + path.sep) || finalPath.startsWith(incoming + path.sep)) throw new Error(`object key escapes the storage root: ${key}`);
    return finalPath;
  }

  async function openObject(key: string): Promise<OpenedObject | undefined> {
    let handle: FileHandle;
    try {
      handle = await open(pathOf(key), "r");
    } catch (error) {
      if (hasCode(error, "ENOENT") || hasCode(error, "ENOTDIR")) return undefined;
      throw error;
    }
    const info = await handle.stat().catch(async (error: unknown) => {
      await handle.close();
      throw error;
    });
    if (!info.isFile()) {
      await handle.close();
      return undefined;
    }
    return { sizeBytes: info.size, body: handle.createReadStream() };
  }

  /**
   * link() publishes without replacing: it fails with EEXIST when the key is taken, where rename() would silently
   * put the new bytes in place of the old ones.
   */
  async function publish(temporary: string, object: IncomingObject): Promise<PutOutcome> {
    const finalPath = pathOf(object.key);
    try {
      await link(temporary, finalPath);
    } catch (error) {
      if (!hasCode(error, "EEXIST")) throw error;
      return settleWithExisting(`${location}/${object.key}`, await openObject(object.key), object.digest());
    }
    // the row will say `mirrored`: the new name must survive a power cut before it does (the bytes were fsync'ed)
    await syncPath(path.dirname(finalPath));
    return "created";
  }

  return {
    location,

    async put(object: IncomingObject): Promise<PutOutcome> {
      const finalPath = pathOf(object.key);
      await mkdir(incoming, { recursive: true });
      await mkdir(path.dirname(finalPath), { recursive: true });
      const temporary = path.join(incoming, `${randomUUID()}${PART_SUFFIX}`);
      try {
        await pipeline(object.body, new DurableFileSink(temporary), { signal: object.signal });
        return await publish(temporary, object);
      } finally {
        // once linked, this only removes the second name of the published file
        await rm(temporary, { force: true });
      }
    },

    open: openObject,

    list(prefix: string): AsyncIterable<StoredObject> {
      // start at the deepest folder the prefix names, then keep only keys that match it whole
      const folder = prefix.slice(0, prefix.lastIndexOf("/") + 1);
      return filterByPrefix(walk(path.join(root, ...folder.split("/")), folder), prefix);
    },

    async removeAbandoned(olderThanMs: number): Promise<number> {
      const cutoff = Date.now() - olderThanMs;
      let removed = 0;
      let entries;
      try {
        entries = await opendir(incoming);
      } catch (error) {
        if (hasCode(error, "ENOENT")) return 0;
        throw error;
      }
      for await (const entry of entries) {
        if (!entry.isFile() || !entry.name.endsWith(PART_SUFFIX)) continue;
        const file = path.join(incoming, entry.name);
        // a live copy writes its file at least every MIRROR_FETCH_TIMEOUT_MS, and holds its lease meanwhile
        const info = await stat(file).catch(() => undefined);
        if (info && info.mtimeMs < cutoff) {
          await rm(file, { force: true });
          removed += 1;
        }
      }
      return removed;
    },

    close() {},
  };
}

/** Files under `directory`, depth first, one folder open at a time per level: never the whole tree in memory. */
async function* walk(directory: string, keyPrefix: string): AsyncGenerator<StoredObject> {
  let entries;
  try {
    entries = await opendir(directory);
  } catch (error) {
    if (hasCode(error, "ENOENT") || hasCode(error, "ENOTDIR")) return;
    throw error;
  }
  for await (const entry of entries) {
    const key = `${keyPrefix}${entry.name}`;
    if (entry.isDirectory()) {
      if (key !== INCOMING_DIR) yield* walk(path.join(directory, entry.name), `${key}/`);
    } else if (entry.isFile()) {
      const info = await stat(path.join(directory, entry.name)).catch(() => undefined);
      if (info) yield { key, sizeBytes: info.size, modifiedAt: info.mtime };
    }
  }
}

async function* filterByPrefix(objects: AsyncIterable<StoredObject>, prefix: string): AsyncGenerator<StoredObject> {
  for await (const object of objects) if (object.key.startsWith(prefix)) yield object;
}

async function syncPath(target: string): Promise<void> {
  const handle = await open(target, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
