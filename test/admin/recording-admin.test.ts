import { audio, file, startRecordingHost, status, type RecordingHost } from "../recording-mirror/support/recording-host";
import { settledRecording, startMirrorService, type MirrorTestService } from "../recording-mirror/support/mirror-service";

const ADMIN_TOKEN = "admin-token-for-tests-0123456789";

describe("admin API for recordings", () => {
  let host: RecordingHost;
  let service: MirrorTestService;
  beforeAll(async () => {
    host = await startRecordingHost();
    service = await startMirrorService({ MIRROR_ALLOWED_HOSTS: host.authority, ADMIN_TOKEN });
  });
  afterAll(async () => {
    await service.stop();
    await host.close();
  });

  const admin = (path: string, init: RequestInit = {}, token: string | null = ADMIN_TOKEN) =>
    fetch(`${service.url}${path}`, { ...init, headers: token ? { Authorization: `Bearer ${token}` } : {} });

  it("lists a failed mirror and mirrors it again on request, once its URL works", async () => {
    host.serve("/later.mp3", status(404));
    const failed = await service.pushRecordAndSettle(host.url("/later.mp3"));
    expect(failed.mirrorStatus).toBe("failed");

    const listed = (await (await admin("/admin/recordings?status=failed&limit=1000")).json()) as { recordings: { id: string; error: string }[] };
    expect(listed.recordings).toContainEqual(expect.objectContaining({ id: failed.id.toString(), error: expect.stringContaining("404") }));

    const { bytes, sha256 } = audio(64 * 1024);
    host.serve("/later.mp3", file(bytes, "audio/mpeg"));
    const response = await admin(`/admin/recordings/${failed.id}/mirror`, { method: "POST" });

    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ recordingId: failed.id.toString(), mirrorStatus: "pending" });
    const mirrored = await settledRecording(service.database.prisma, failed.sdkAppId, failed.sessionId);
    expect(mirrored).toMatchObject({ mirrorStatus: "mirrored", sha256, sizeBytes: BigInt(bytes.length), mirrorAttempts: 1, mirrorError: null });
  });

  it("answers 404 for an unknown recording and 401 without the token", async () => {
    expect((await admin("/admin/recordings/999999999999/mirror", { method: "POST" })).status).toBe(404);
    expect((await admin("/admin/recordings/1/mirror", { method: "POST" }, null)).status).toBe(401);
    expect((await admin("/admin/recordings", {}, null)).status).toBe(401);
  });
});
