import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger } from "../../src/logging/logger";
import { openDatabase, type DatabaseHandle } from "../../src/persistence/database";
import { mirrorTrack, type MirrorTrackDependencies } from "../../src/recording-mirror/mirror-track";
import { createFileStorage } from "../../src/recording-mirror/storage/file-storage";
import { TEST_DATABASE_URL } from "../support/test-env";
import { createPendingTrack, trackDependencies } from "./support/direct-mirror";
import { audio, startRecordingHost, trickle, type RecordingHost } from "./support/recording-host";
import { filesUnder } from "./support/mirror-service";

describe("the same track mirrored twice", () => {
  let database: DatabaseHandle;
  let host: RecordingHost;
  let storageDir: string;
  let deps: MirrorTrackDependencies;
  beforeAll(async () => {
    const logger = createLogger("silent");
    database = openDatabase({ url: TEST_DATABASE_URL, poolSize: 4, connectTimeoutMs: 5000, logger });
    host = await startRecordingHost();
    storageDir = await mkdtemp(path.join(tmpdir(), "mirror-concurrent-"));
    deps = trackDependencies(database.prisma, createFileStorage(storageDir), host);
  });
  afterAll(async () => {
    await database.close();
    await host.close();
    await rm(storageDir, { recursive: true, force: true });
  });

  const pendingTrack = async (urlPath: string) => (await createPendingTrack(database.prisma, host.url(urlPath))).id;

  it("at the same time, is fetched once and leaves one object and one mirrored row", async () => {
    const track = audio(200_000);
    host.serve("/both.mp3", trickle(track.bytes, 4, 50));
    const id = await pendingTrack("/both.mp3");

    const results = await Promise.all([mirrorTrack(id, deps), mirrorTrack(id, deps)]);

    expect(results.map((result) => result.outcome).sort()).toEqual(["mirrored", "not-pending"]);
    expect(host.requestsFor("/both.mp3")).toBe(1);
    const row = await database.prisma.recording.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ mirrorStatus: "mirrored", mirrorAttempts: 1, sha256: track.sha256, mirrorLeaseId: null });
    expect((await filesUnder(storageDir)).filter((name) => name.includes(row.sessionId))).toEqual([row.storageKey]);
  });

  it("once done, is not fetched again", async () => {
    const track = audio(1000);
    host.serve("/again.mp3", trickle(track.bytes, 1, 0));
    const id = await pendingTrack("/again.mp3");
    await mirrorTrack(id, deps);

    const second = await mirrorTrack(id, deps);

    expect(second.outcome).toBe("not-pending");
    expect(host.requestsFor("/again.mp3")).toBe(1);
  });
});
