import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { sampleVoicemail } from "../support/payloads";
import { uniqueSdkAppId, uniqueSessionId } from "../support/test-service";
import { audio, file, startRecordingHost, type RecordingHost } from "./support/recording-host";
import { filesUnder, settledRecording, startMirrorService, type MirrorTestService } from "./support/mirror-service";

describe("a record push with a RecordURL", () => {
  let host: RecordingHost;
  let service: MirrorTestService;
  beforeAll(async () => {
    host = await startRecordingHost();
    service = await startMirrorService({ MIRROR_ALLOWED_HOSTS: host.authority });
  });
  afterAll(async () => {
    await service.stop();
    await host.close();
  });

  it("ends with the file in storage and the row mirrored with its key, size and sha256", async () => {
    const track = audio(300_000);
    host.serve("/ccc/2026/track-a.mp3", file(track.bytes, "application/octet-stream"));

    const row = await service.pushRecordAndSettle(host.url("/ccc/2026/track-a.mp3?sign=abc"), {
      RecordId: "1608130650",
      EndpointUser: "13123456789",
      Timestamp: 1779000000,
    });

    expect(row).toMatchObject({ mirrorStatus: "mirrored", sizeBytes: 300_000n, sha256: track.sha256, mirrorAttempts: 1, mirrorError: null });
    expect(row.mirroredAt).toBeInstanceOf(Date);
    expect(row.storageKey).toMatch(new RegExp(`^${row.sdkAppId}/2026/05/17/${row.sessionId}/call-1608130650-_______6789-[0-9a-f]{16}\\.mp3$`));
    const stored = await readFile(path.join(service.storageDir, ...row.storageKey!.split("/")));
    expect(createHash("sha256").update(stored).digest("hex")).toBe(track.sha256);
    expect(await filesUnder(service.storageDir)).toEqual([row.storageKey]);
  });

  it("takes the type from the response when the URL has no extension, and keeps agent e-mails readable in the key", async () => {
    host.serve("/ccc/def/month12", file(audio(1000).bytes, "audio/wav"));

    const row = await service.pushRecordAndSettle(host.url("/ccc/def/month12"), { RecordId: "rec-77", EndpointUser: "lululing@tencent.com" });

    expect(row.mirrorStatus).toBe("mirrored");
    expect(row.storageKey).toMatch(/\/call-rec-77-lululing@tencent\.com-[0-9a-f]{16}\.wav$/);
  });

  it("mirrors a voicemail too", async () => {
    const message = audio(5000);
    host.serve("/ccc/voicemail-1.mp3", file(message.bytes));
    const appId = uniqueSdkAppId();
    const sessionId = uniqueSessionId();

    await service.push("voicemail", sampleVoicemail(appId, sessionId, { RecordURL: host.url("/ccc/voicemail-1.mp3") }));

    const row = await settledRecording(service.database.prisma, BigInt(appId), sessionId);
    expect(row).toMatchObject({ kind: "voicemail", mirrorStatus: "mirrored", sha256: message.sha256 });
    expect(row.storageKey).toMatch(new RegExp(`^${appId}/2020/12/16/${sessionId}/voicemail-vm-[0-9a-f]{32}-_______6789-[0-9a-f]{16}\\.mp3$`));
  });

  it("pushed again (a TCCC retry with another push id), fetches and stores the track once", async () => {
    host.serve("/ccc/retried.mp3", file(audio(2000).bytes));
    const appId = uniqueSdkAppId();
    const sessionId = uniqueSessionId();
    const body = { SdkAppId: appId, SessionId: sessionId, RecordId: "r1", Timestamp: 1608130650, EndpointUser: "a@b.c", RecordURL: host.url("/ccc/retried.mp3") };

    await service.push("record", body, { pushUuid: `${sessionId}-1` });
    await settledRecording(service.database.prisma, BigInt(appId), sessionId);
    await service.push("record", body, { pushUuid: `${sessionId}-2` });
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(host.requestsFor("/ccc/retried.mp3")).toBe(1);
    expect(await service.database.prisma.recording.count({ where: { sdkAppId: BigInt(appId) } })).toBe(1);
    expect((await filesUnder(service.storageDir)).filter((key) => key.includes(sessionId))).toHaveLength(1);
  });
});
