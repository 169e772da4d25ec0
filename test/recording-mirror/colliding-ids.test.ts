import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Recording } from "../../src/generated/prisma/client";
import { sampleRecord } from "../support/payloads";
import { uniqueSdkAppId, uniqueSessionId } from "../support/test-service";
import { COLLIDING_RECORD_IDS, COLLIDING_SESSION_IDS } from "./support/colliding-ids";
import { filesUnder, settledRecordings, startMirrorService, type MirrorTestService } from "./support/mirror-service";
import { audio, file, startRecordingHost, type RecordingHost } from "./support/recording-host";
import { startS3Store, type S3Store } from "./support/s3-store";

jest.setTimeout(90_000);

const PREFIX = "tccc/recordings";

/** Where each backend keeps an object, read back independently of the backend's own code. */
interface Backend {
  env(): Record<string, string>;
  read(service: MirrorTestService, key: string): Promise<{ sizeBytes: number; sha256: string } | undefined>;
}

let s3: S3Store;
const backends: [string, Backend][] = [
  [
    "the file backend",
    {
      env: () => ({}),
      async read(service, key) {
        const bytes = await readFile(path.join(service.storageDir, ...key.split("/"))).catch(() => undefined);
        return bytes && { sizeBytes: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") };
      },
    },
  ],
  ["s3rver", { env: () => s3.serviceEnv(PREFIX), read: (_service, key) => s3.read(`${PREFIX}/${key}`) }],
];

beforeAll(async () => {
  s3 = await startS3Store();
});
afterAll(() => s3.close());

describe.each(backends)("ids that sanitize alike, mirrored into %s", (_name, backend) => {
  let host: RecordingHost;
  let service: MirrorTestService;
  beforeAll(async () => {
    host = await startRecordingHost();
    service = await startMirrorService({ MIRROR_ALLOWED_HOSTS: host.authority, MIRROR_CONCURRENCY: "4", ...backend.env() });
  });
  afterAll(async () => {
    await service.stop();
    await host.close();
  });

  /** Pushes one track per (session, record) pair, each with bytes of its own, all of one app, date and time. */
  async function pushAll(sdkAppId: number, tracks: { sessionId: string; recordId: string }[]): Promise<Map<string, { sha256: string; size: number }>> {
    const sources = new Map<string, { sha256: string; size: number }>();
    await Promise.all(
      tracks.map(async ({ sessionId, recordId }, index) => {
        // the sizes: the first track 2,048 bytes, the one that replaced it 1 MiB
        const { bytes, sha256 } = audio(index === 0 ? 2048 : index === 1 ? 1024 * 1024 : 3000 + index * 101);
        host.serve(`/${sdkAppId}/${index}.mp3`, file(bytes, "audio/mpeg"));
        const answer = await service.push("record", sampleRecord(sdkAppId, sessionId, { RecordId: recordId, RecordURL: host.url(`/${sdkAppId}/${index}.mp3`) }));
        expect(answer.body.ErrCode).toBe(0);
        sources.set(JSON.stringify([sessionId, recordId]), { sha256, size: bytes.length });
      }),
    );
    return sources;
  }

  async function expectDistinctObjectsWithTheirBytes(rows: Recording[], sources: Map<string, { sha256: string; size: number }>): Promise<void> {
    expect(rows.map((row) => [row.sessionId, row.mirrorStatus, row.mirrorError])).toEqual(rows.map((row) => [row.sessionId, "mirrored", null]));
    const keys = rows.map((row) => row.storageKey!);
    expect(new Set(keys.map((key) => key.toLowerCase())).size).toBe(rows.length);
    for (const row of rows) {
      const source = sources.get(JSON.stringify([row.sessionId, row.recordId]))!;
      expect({ session: row.sessionId, row: [Number(row.sizeBytes), row.sha256], stored: await backend.read(service, row.storageKey!) }).toEqual({
        session: row.sessionId,
        row: [source.size, source.sha256],
        stored: { sizeBytes: source.size, sha256: source.sha256 },
      });
    }
  }

  it('gives "col/a" and "col_a" of one app, date and RecordId an object each, with its own bytes', async () => {
    const sdkAppId = uniqueSdkAppId();
    const sources = await pushAll(sdkAppId, [
      { sessionId: "col/a", recordId: "1608130650" },
      { sessionId: "col_a", recordId: "1608130650" },
    ]);

    const rows = await settledRecordings(service.database.prisma, BigInt(sdkAppId), 2);

    await expectDistinctObjectsWithTheirBytes(rows, sources);
  });

  it('does the same for "..", "/", shared 100-character prefixes, case, non-ASCII and control characters', async () => {
    const sdkAppId = uniqueSdkAppId();
    const sessionIds = Object.values(COLLIDING_SESSION_IDS)
      .flat()
      .filter((sessionId) => sessionId !== ""); // a push without a SessionId is refused before anything is stored
    const sharedSession = uniqueSessionId();
    const tracks = [...sessionIds.map((sessionId) => ({ sessionId, recordId: "1608130650" })), ...COLLIDING_RECORD_IDS.map((recordId) => ({ sessionId: sharedSession, recordId }))];
    const sources = await pushAll(sdkAppId, tracks);

    const rows = await settledRecordings(service.database.prisma, BigInt(sdkAppId), tracks.length);

    await expectDistinctObjectsWithTheirBytes(rows, sources);
    if (backend === backends[0]![1]) {
      const stored = (await filesUnder(service.storageDir)).filter((key) => key.startsWith(`${sdkAppId}/`));
      expect(stored.sort()).toEqual(rows.map((row) => row.storageKey).sort());
    }
  });
});
