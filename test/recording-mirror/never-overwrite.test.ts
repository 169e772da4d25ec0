import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Recording } from "../../src/generated/prisma/client";
import { createLogger } from "../../src/logging/logger";
import { openDatabase, type DatabaseHandle } from "../../src/persistence/database";
import { mirrorTrack } from "../../src/recording-mirror/mirror-track";
import { objectFormat, objectKey } from "../../src/recording-mirror/object-key";
import { createFileStorage } from "../../src/recording-mirror/storage/file-storage";
import type { RecordingStorage } from "../../src/recording-mirror/storage/recording-storage";
import { TEST_DATABASE_URL } from "../support/test-env";
import { createPendingTrack, trackDependencies } from "./support/direct-mirror";
import { audio, file, startRecordingHost, trickle, type RecordingHost } from "./support/recording-host";
import { startS3Store, type ConditionalWrites, type S3Store } from "./support/s3-store";

jest.setTimeout(60_000);

const PREFIX = "tccc/recordings";
const MB = 1024 * 1024;

/** A backend under test, with a way to reach its objects that does not go through the backend's own code. */
interface Backend {
  storage: RecordingStorage;
  place(key: string, bytes: Buffer): Promise<void>;
  read(key: string): Promise<{ sizeBytes: number; sha256: string } | undefined>;
  /** What a failed or refused write may have left: half-written files, multipart parts. */
  leftovers(): Promise<string[]>;
  close(): Promise<void>;
}

async function fileBackend(): Promise<Backend> {
  const dir = await mkdtemp(path.join(tmpdir(), "never-overwrite-"));
  const at = (key: string) => path.join(dir, ...key.split("/"));
  return {
    storage: createFileStorage(dir),
    async place(key, bytes) {
      await mkdir(path.dirname(at(key)), { recursive: true });
      await writeFile(at(key), bytes);
    },
    async read(key) {
      const bytes = await readFile(at(key)).catch(() => undefined);
      return bytes && { sizeBytes: bytes.length, sha256: sha256(bytes) };
    },
    leftovers: () => readdir(path.join(dir, ".incoming")).catch(() => []),
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

async function s3Backend(conditionalWrites: ConditionalWrites): Promise<Backend> {
  const store: S3Store = await startS3Store({ conditionalWrites, abortMultipartUpload: true });
  const storage = store.storage(PREFIX);
  return {
    storage,
    place: (key, bytes) => store.put(`${PREFIX}/${key}`, bytes),
    read: (key) => store.read(`${PREFIX}/${key}`),
    leftovers: () => store.pendingUploads(),
    async close() {
      storage.close();
      await store.close();
    },
  };
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

const BACKENDS: [string, () => Promise<Backend>][] = [
  ["the file backend", fileBackend],
  ["s3rver, which ignores If-None-Match (the HEAD check guards)", () => s3Backend("ignored")],
  ["an S3 store that honours If-None-Match (s3rver with conditional writes added)", () => s3Backend("honoured")],
];

let database: DatabaseHandle;
let host: RecordingHost;
beforeAll(async () => {
  database = openDatabase({ url: TEST_DATABASE_URL, poolSize: 4, connectTimeoutMs: 5000, logger: createLogger("silent") });
  host = await startRecordingHost();
});
afterAll(async () => {
  await database.close();
  await host.close();
});

const dependencies = (storage: RecordingStorage) => trackDependencies(database.prisma, storage, host);

/** A pending track whose source is `urlPath`, and the key its mirror will publish under. */
async function pendingTrack(urlPath: string): Promise<{ row: Recording; key: string }> {
  const row = await createPendingTrack(database.prisma, host.url(urlPath));
  return { row, key: objectKey(row, objectFormat(new URL(host.url(urlPath)), "audio/mpeg")) };
}

const rowOf = (row: Recording) => database.prisma.recording.findUniqueOrThrow({ where: { id: row.id } });

describe.each(BACKENDS)("publishing into %s", (_name, startBackend) => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await startBackend();
  });
  afterAll(() => backend.close());

  it.each([
    ["one PUT", 2000, 1000],
    ["a multipart upload", 7 * MB, 6 * MB],
  ])("refuses to replace an object with other bytes (%s), names both on the row, and leaves the object as it was", async (_kind, sourceSize, storedSize) => {
    const source = audio(sourceSize);
    const stored = audio(storedSize);
    const urlPath = `/conflict-${sourceSize}.mp3`;
    host.serve(urlPath, file(source.bytes, "audio/mpeg"));
    const { row, key } = await pendingTrack(urlPath);
    await backend.place(key, stored.bytes);

    const result = await mirrorTrack(row.id, dependencies(backend.storage));

    expect(result.outcome).toBe("failed");
    const after = await rowOf(row);
    expect(after).toMatchObject({ mirrorStatus: "failed", mirrorAttempts: 1, storageKey: null, sha256: null });
    expect(after.mirrorError).toBe(
      `refused to replace ${backend.storage.location}/${key}: it holds ${storedSize} bytes with sha256 ${stored.sha256}, ` +
        `this copy has ${sourceSize} bytes with sha256 ${source.sha256}; the stored object was left as it is`,
    );
    expect(await backend.read(key)).toEqual({ sizeBytes: storedSize, sha256: stored.sha256 });
    expect(await backend.leftovers()).toEqual([]);
  });

  it("takes an object with the same bytes already under the key (a retry after a crash) as mirrored, without rewriting it", async () => {
    const source = audio(7 * MB);
    host.serve("/already-there.mp3", file(source.bytes, "audio/mpeg"));
    const { row, key } = await pendingTrack("/already-there.mp3");
    await backend.place(key, source.bytes);

    const result = await mirrorTrack(row.id, dependencies(backend.storage));

    expect(result.outcome).toBe("mirrored");
    expect(await rowOf(row)).toMatchObject({ mirrorStatus: "mirrored", storageKey: key, sizeBytes: BigInt(7 * MB), sha256: source.sha256, mirrorError: null });
    expect(await backend.read(key)).toEqual({ sizeBytes: 7 * MB, sha256: source.sha256 });
    expect(await backend.leftovers()).toEqual([]);
  });
});

describe.each([BACKENDS[0]!, BACKENDS[2]!])("an object that appears under the key while the copy runs, in %s", (_name, startBackend) => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await startBackend();
  });
  afterAll(() => backend.close());

  it.each([
    ["one PUT", 200_000],
    ["a multipart upload", 12 * MB],
  ])("is not replaced (%s): the conditional publish fails and the row names both", async (_kind, size) => {
    const source = audio(size);
    const other = audio(3000);
    const urlPath = `/raced-${size}.mp3`;
    host.serve(urlPath, trickle(source.bytes, 10, 100));
    const { row, key } = await pendingTrack(urlPath);

    const mirrored = mirrorTrack(row.id, dependencies(backend.storage));
    // the source answered and the key was checked free: another writer takes it now, before the copy ends
    while (host.requestsFor(urlPath) === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await backend.place(key, other.bytes);
    const result = await mirrored;

    expect(result.outcome).toBe("failed");
    expect((await rowOf(row)).mirrorError).toBe(
      `refused to replace ${backend.storage.location}/${key}: it holds 3000 bytes with sha256 ${other.sha256}, ` +
        `this copy has ${size} bytes with sha256 ${source.sha256}; the stored object was left as it is`,
    );
    expect(await backend.read(key)).toEqual({ sizeBytes: 3000, sha256: other.sha256 });
    expect(await backend.leftovers()).toEqual([]);
  });
});

describe("an S3 store that refuses If-None-Match with 501 Not Implemented", () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await s3Backend("refused");
  });
  afterAll(() => backend.close());

  it("costs one attempt, which says so; the next ones write after the HEAD check alone", async () => {
    const source = audio(50_000);
    host.serve("/refused.mp3", file(source.bytes, "audio/mpeg"));
    const { row, key } = await pendingTrack("/refused.mp3");
    const deps = dependencies(backend.storage);

    expect((await mirrorTrack(row.id, deps)).outcome).toBe("retry");
    expect(await rowOf(row)).toMatchObject({
      mirrorStatus: "pending",
      mirrorError: `${backend.storage.location} answered If-None-Match with 501 Not Implemented; the next attempt writes after a HEAD check alone`,
    });
    expect(await backend.read(key)).toBeUndefined();

    expect((await mirrorTrack(row.id, deps)).outcome).toBe("mirrored");
    expect(await rowOf(row)).toMatchObject({ mirrorStatus: "mirrored", mirrorAttempts: 2, sha256: source.sha256, mirrorError: null });
    expect(await backend.read(key)).toEqual({ sizeBytes: 50_000, sha256: source.sha256 });

    // the store's answer is remembered: another track needs no lost attempt
    host.serve("/refused-2.mp3", file(source.bytes, "audio/mpeg"));
    const second = await pendingTrack("/refused-2.mp3");
    expect((await mirrorTrack(second.row.id, deps)).outcome).toBe("mirrored");
  });
});

it("the file backend leaves an identical object already under the key untouched: same inode, same modification time", async () => {
  const backend = await fileBackend();
  try {
    const source = audio(1000);
    host.serve("/inode.mp3", file(source.bytes, "audio/mpeg"));
    const { row, key } = await pendingTrack("/inode.mp3");
    await backend.place(key, source.bytes);
    const dir = fileURLToPath(backend.storage.location);
    const before = await stat(path.join(dir, ...key.split("/")));

    await mirrorTrack(row.id, dependencies(backend.storage));

    const after = await stat(path.join(dir, ...key.split("/")));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  } finally {
    await backend.close();
  }
});
