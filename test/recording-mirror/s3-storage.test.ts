import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import S3rver from "s3rver";
import { audio, cutAfter, file, startRecordingHost, type RecordingHost } from "./support/recording-host";
import { startMirrorService, type MirrorTestService } from "./support/mirror-service";

const BUCKET = "recordings-1250000000";
const CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

describe("mirroring into an S3-compatible store (s3rver on loopback)", () => {
  let s3Dir: string;
  let s3: S3rver;
  let client: S3Client;
  let host: RecordingHost;
  let service: MirrorTestService;
  beforeAll(async () => {
    s3Dir = await mkdtemp(path.join(tmpdir(), "s3rver-"));
    s3 = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: s3Dir, configureBuckets: [{ name: BUCKET, configs: [] }] });
    const { port } = await s3.run();
    const endpoint = `http://127.0.0.1:${port}`;
    client = new S3Client({ endpoint, region: "ap-shanghai", forcePathStyle: true, credentials: CREDENTIALS });
    host = await startRecordingHost();
    service = await startMirrorService({
      MIRROR_ALLOWED_HOSTS: host.authority,
      STORAGE_URL: `s3://${BUCKET}/tccc/recordings`,
      S3_ENDPOINT: endpoint,
      S3_REGION: "ap-shanghai",
      S3_FORCE_PATH_STYLE: "true",
      S3_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      S3_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    });
  });
  afterAll(async () => {
    await service.stop();
    await host.close();
    client.destroy();
    await s3.close();
    await rm(s3Dir, { recursive: true, force: true });
  });

  async function storedObject(key: string) {
    const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const bytes = Buffer.from(await object.Body!.transformToByteArray());
    return { contentType: object.ContentType, sha256: createHash("sha256").update(bytes).digest("hex"), size: bytes.length };
  }

  it("stores a small track with one PUT under the prefix, with its content type", async () => {
    const track = audio(200_000);
    host.serve("/small.mp3", file(track.bytes));

    const row = await service.pushRecordAndSettle(host.url("/small.mp3"));

    expect(row).toMatchObject({ mirrorStatus: "mirrored", sha256: track.sha256 });
    expect(await storedObject(`tccc/recordings/${row.storageKey}`)).toEqual({ contentType: "audio/mpeg", sha256: track.sha256, size: 200_000 });
  });

  it("stores a track larger than a part by multipart upload, byte for byte", async () => {
    const track = audio(13 * 1024 * 1024);
    host.serve("/large.wav", file(track.bytes));

    const row = await service.pushRecordAndSettle(host.url("/large.wav"));

    expect(row).toMatchObject({ mirrorStatus: "mirrored", sizeBytes: BigInt(track.bytes.length), sha256: track.sha256 });
    expect(await storedObject(`tccc/recordings/${row.storageKey}`)).toEqual({ contentType: "audio/wav", sha256: track.sha256, size: track.bytes.length });
  });

  it("never shows a half-uploaded object under the final key when the source is cut mid-upload", async () => {
    const track = audio(12 * 1024 * 1024);
    host.serve("/cut-large.mp3", cutAfter(track.bytes, 7 * 1024 * 1024));

    const row = await service.pushRecordAndSettle(host.url("/cut-large.mp3"));

    expect(row).toMatchObject({ mirrorStatus: "failed", mirrorAttempts: 3, storageKey: null });
    expect(row.mirrorError).toMatch(/^gave up after 3 attempts: connection to 127\.0\.0\.1:\d+ cut after \d+ bytes/);
    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `tccc/recordings/${row.sdkAppId}/` }));
    expect(listed.Contents ?? []).toEqual([]);
  });
});
