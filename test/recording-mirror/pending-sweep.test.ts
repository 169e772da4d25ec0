import { uniqueSdkAppId, uniqueSessionId } from "../support/test-service";
import { audio, file, startRecordingHost, type RecordingHost } from "./support/recording-host";
import { settledRecording, startMirrorService, type MirrorTestService } from "./support/mirror-service";
import type { Database } from "../../src/persistence/database";

/** Rows written as a push or reconciliation would, whose mirror job never reached Redis (or was lost with it). */
async function insertForgottenTracks(prisma: Database, host: RecordingHost, recordedAt: Date[]) {
  const sdkAppId = BigInt(uniqueSdkAppId());
  const tracks = [];
  for (const [index, at] of recordedAt.entries()) {
    const sessionId = uniqueSessionId();
    host.serve(`/forgotten-${sessionId}.mp3`, file(audio(1000 + index).bytes));
    await prisma.$executeRaw`
      INSERT INTO recordings (sdk_app_id, session_id, kind, track_key, record_id, record_url, recorded_at, created_at, updated_at)
      VALUES (${sdkAppId}, ${sessionId}, 'call', ${`r${index}`}, ${`r${index}`}, ${host.url(`/forgotten-${sessionId}.mp3`)}, ${at},
              now() - interval '1 hour', now() - interval '1 hour')`;
    tracks.push({ sdkAppId, sessionId, recordedAt: at });
  }
  return tracks;
}

describe("the periodic sweep", () => {
  let host: RecordingHost;
  let service: MirrorTestService | undefined;
  beforeAll(async () => {
    host = await startRecordingHost();
  });
  afterAll(async () => {
    await service?.stop();
    await host.close();
  });

  it("mirrors pending tracks that no job was queued for, oldest recording first", async () => {
    const bootstrap = await startMirrorService({ MIRROR_ENABLED: "false" });
    // recorded before anything other test files leave pending in the shared database (2023 and later), so that the
    // sweep, oldest first, reaches these first however many of those a loaded run has left waiting
    const tracks = await insertForgottenTracks(bootstrap.database.prisma, host, [
      new Date("2001-03-02T10:00:00Z"),
      new Date("2001-01-15T10:00:00Z"),
      new Date("2001-02-20T10:00:00Z"),
    ]);
    await bootstrap.stop();

    service = await startMirrorService({
      MIRROR_ALLOWED_HOSTS: host.authority,
      MIRROR_SWEEP_INTERVAL_MS: "500",
      MIRROR_SWEEP_MIN_AGE_MS: "60000",
      MIRROR_CONCURRENCY: "1",
    });

    const rows = await Promise.all(tracks.map((track) => settledRecording(service!.database.prisma, track.sdkAppId, track.sessionId)));
    expect(rows.map((row) => row.mirrorStatus)).toEqual(["mirrored", "mirrored", "mirrored"]);
    const byMirrorTime = [...rows].sort((a, b) => a.mirroredAt!.getTime() - b.mirroredAt!.getTime());
    expect(byMirrorTime.map((row) => row.recordedAt!.toISOString())).toEqual([
      "2001-01-15T10:00:00.000Z",
      "2001-02-20T10:00:00.000Z",
      "2001-03-02T10:00:00.000Z",
    ]);
  });
});
