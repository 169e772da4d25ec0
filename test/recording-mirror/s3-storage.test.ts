import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { Writable } from "node:stream";
import { createLogger } from "../../src/logging/logger";
import { openDatabase, type DatabaseHandle } from "../../src/persistence/database";
import { parseAllowlist } from "../../src/recording-mirror/host-allowlist";
import { mirrorTrack } from "../../src/recording-mirror/mirror-track";
import type { RecordingStorage } from "../../src/recording-mirror/storage/recording-storage";
import { TEST_DATABASE_URL } from "../support/test-env";
import { createPendingTrack, trackDependencies } from "./support/direct-mirror";
import { audio, cutAfter, file, stallAfter, startRecordingHost, type RecordingHost } from "./support/recording-host";
import { startMirrorService, type MirrorTestService } from "./support/mirror-service";
import { BUCKET, startS3Store, type S3Store } from "./support/s3-store";

const MB = 1024 * 1024;

describe("mirroring into an S3-compatible store (s3rver on loopback, with AbortMultipartUpload added)", () => {
  let s3: S3Store;
  let host: RecordingHost;
  let service: MirrorTestService;
  beforeAll(async () => {
    s3 = await startS3Store({ abortMultipartUpload: true });
    host = await startRecordingHost();
    service = await startMirrorService({ MIRROR_ALLOWED_HOSTS: host.authority, ...s3.serviceEnv("tccc/recordings") });
  });
  afterAll(async () => {
    await service.stop();
    await host.close();
    await s3.close();
  });

  it("stores a small track with one PUT under the prefix, with its content type", async () => {
    const track = audio(200_000);
    host.serve("/small.mp3", file(track.bytes));

    const row = await service.pushRecordAndSettle(host.url("/small.mp3"));

    expect(row).toMatchObject({ mirrorStatus: "mirrored", sha256: track.sha256 });
    expect(await s3.read(`tccc/recordings/${row.storageKey}`)).toEqual({ sha256: track.sha256, sizeBytes: 200_000 });
    const head = await s3.storage("tccc/recordings").open(row.storageKey!);
    head?.body.destroy();
    expect(head?.sizeBytes).toBe(200_000);
  });

  it("stores a track larger than a part by multipart upload, byte for byte, leaving no upload open", async () => {
    const track = audio(13 * MB);
    host.serve("/large.wav", file(track.bytes));

    const row = await service.pushRecordAndSettle(host.url("/large.wav"));

    expect(row).toMatchObject({ mirrorStatus: "mirrored", sizeBytes: BigInt(track.bytes.length), sha256: track.sha256 });
    expect(await s3.read(`tccc/recordings/${row.storageKey}`)).toEqual({ sha256: track.sha256, sizeBytes: track.bytes.length });
    expect(await s3.pendingUploads()).toEqual([]);
  });

  it("never shows a half-uploaded object when the source is cut mid-upload, and aborts the upload: no part is left", async () => {
    const track = audio(12 * MB);
    host.serve("/cut-large.mp3", cutAfter(track.bytes, 7 * MB));

    const row = await service.pushRecordAndSettle(host.url("/cut-large.mp3"));

    expect(row).toMatchObject({ mirrorStatus: "failed", mirrorAttempts: 3, storageKey: null });
    expect(row.mirrorError).toMatch(/^gave up after 3 attempts: connection to 127\.0\.0\.1:\d+ cut after \d+ bytes/);
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `tccc/recordings/${row.sdkAppId}/` }));
    expect(listed.Contents ?? []).toEqual([]);
    expect(await s3.pendingUploads()).toEqual([]);
  });
});

describe("multipart uploads that do not finish, driven track by track", () => {
  let database: DatabaseHandle;
  let host: RecordingHost;
  beforeAll(async () => {
    database = openDatabase({ url: TEST_DATABASE_URL, poolSize: 2, connectTimeoutMs: 5000, logger: createLogger("silent") });
    host = await startRecordingHost();
  });
  afterAll(async () => {
    await database.close();
    await host.close();
  });

  const dependencies = (storage: RecordingStorage, attemptDeadlineMs: number) => trackDependencies(database.prisma, storage, host, { attemptDeadlineMs, fetch: { allowlist: parseAllowlist([host.authority]), idleTimeoutMs: 10_000 } });
  const pendingTrack = (urlPath: string) => createPendingTrack(database.prisma, host.url(urlPath));

  it("an attempt stopped by its deadline mid-upload aborts the upload: no part is left, and the row says how far it came", async () => {
    const s3 = await startS3Store({ abortMultipartUpload: true });
    try {
      const track = audio(12 * MB);
      host.serve("/stalls.mp3", stallAfter(track.bytes, 11 * MB));
      const row = await pendingTrack("/stalls.mp3");

      const result = await mirrorTrack(row.id, dependencies(s3.storage("rec"), 1500));

      expect(result.outcome).toBe("retry");
      expect(await database.prisma.recording.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({
        mirrorStatus: "pending",
        storageKey: null,
        mirrorError: `stopped after MIRROR_ATTEMPT_DEADLINE_MS (1500 ms), with ${11 * MB} of ${12 * MB} bytes received from ${host.authority}`,
      });
      expect(await s3.pendingUploads()).toEqual([]);
    } finally {
      await s3.close();
    }
  });

  it("on s3rver as it is, which cannot abort (405), the row still names the source's failure and the log names the upload left behind", async () => {
    const s3 = await startS3Store();
    const logLines: Record<string, unknown>[] = [];
    const logStream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logLines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        callback();
      },
    });
    try {
      const track = audio(12 * MB);
      host.serve("/cut-plain.mp3", cutAfter(track.bytes, 7 * MB));
      const row = await pendingTrack("/cut-plain.mp3");

      await mirrorTrack(row.id, dependencies(s3.storage("rec", createLogger("warn", {}, logStream)), 30_000));

      const after = await database.prisma.recording.findUniqueOrThrow({ where: { id: row.id } });
      expect(after.mirrorError).toMatch(/^connection to 127\.0\.0\.1:\d+ cut after \d+ bytes/);
      const leftBehind = await s3.pendingUploads();
      expect(leftBehind).toHaveLength(1);
      expect(logLines).toContainEqual(
        expect.objectContaining({ uploadId: leftBehind[0], msg: "could not abort a failed multipart upload: its parts stay in the bucket until a lifecycle rule removes them" }),
      );
    } finally {
      await s3.close();
    }
  });
});
