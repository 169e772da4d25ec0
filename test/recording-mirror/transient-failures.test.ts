import { audio, cutAfter, file, startRecordingHost, stallAfter, status, trickle, type RecordingHost } from "./support/recording-host";
import { filesUnder, startMirrorService, type MirrorTestService } from "./support/mirror-service";

describe("a source that fails for a while", () => {
  let host: RecordingHost;
  let service: MirrorTestService;
  beforeAll(async () => {
    host = await startRecordingHost();
    service = await startMirrorService({ MIRROR_ALLOWED_HOSTS: host.authority, MIRROR_FETCH_TIMEOUT_MS: "400", MIRROR_MAX_ATTEMPTS: "3" });
  });
  afterAll(async () => {
    await service.stop();
    await host.close();
  });

  it("answering 503 once, is mirrored on the next attempt", async () => {
    const track = audio(10_000);
    host.serve("/flaky.mp3", status(503), file(track.bytes));

    const row = await service.pushRecordAndSettle(host.url("/flaky.mp3"));

    expect(row).toMatchObject({ mirrorStatus: "mirrored", mirrorAttempts: 2, sha256: track.sha256, mirrorError: null });
    expect(host.requestsFor("/flaky.mp3")).toBe(2);
  });

  it("cutting the connection mid-body, is mirrored whole on the next attempt and leaves no partial file", async () => {
    const track = audio(2_000_000);
    host.serve("/cut.mp3", cutAfter(track.bytes, 700_000), file(track.bytes));

    const row = await service.pushRecordAndSettle(host.url("/cut.mp3"));

    expect(row).toMatchObject({ mirrorStatus: "mirrored", mirrorAttempts: 2, sizeBytes: 2_000_000n, sha256: track.sha256 });
    expect((await filesUnder(service.storageDir)).filter((name) => name.includes(row.sessionId) || name.startsWith(".incoming"))).toEqual([row.storageKey]);
  });

  it("going silent mid-body for longer than MIRROR_FETCH_TIMEOUT_MS, is retried", async () => {
    const track = audio(100_000);
    host.serve("/stall.mp3", stallAfter(track.bytes, 10_000), file(track.bytes));

    const row = await service.pushRecordAndSettle(host.url("/stall.mp3"));

    expect(row).toMatchObject({ mirrorStatus: "mirrored", mirrorAttempts: 2, sha256: track.sha256 });
  });

  it("sending slowly but steadily for longer than the timeout, is mirrored in one attempt", async () => {
    const track = audio(50_000);
    host.serve("/slow.mp3", trickle(track.bytes, 8, 150));

    const row = await service.pushRecordAndSettle(host.url("/slow.mp3"));

    expect(row).toMatchObject({ mirrorStatus: "mirrored", mirrorAttempts: 1, sha256: track.sha256 });
  });

  it("failing every attempt, ends failed after MIRROR_MAX_ATTEMPTS with the last error", async () => {
    host.serve("/down.mp3", status(502));

    const row = await service.pushRecordAndSettle(host.url("/down.mp3"));

    expect(row).toMatchObject({ mirrorStatus: "failed", mirrorAttempts: 3, storageKey: null, sha256: null });
    expect(row.mirrorError).toBe(`gave up after 3 attempts: ${host.authority} answered 502`);
    expect(host.requestsFor("/down.mp3")).toBe(3);
  });
});
