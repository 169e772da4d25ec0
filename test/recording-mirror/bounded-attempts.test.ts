import { readdir } from "node:fs/promises";
import path from "node:path";
import { audio, chunked, endless, file, startRecordingHost, trickle, type RecordingHost } from "./support/recording-host";
import { filesUnder, startMirrorService, type MirrorTestService } from "./support/mirror-service";

const MAX_BYTES = 100_000;
const DEADLINE_MS = 1500;

describe("the work one attempt may do", () => {
  let host: RecordingHost;
  let service: MirrorTestService;
  beforeAll(async () => {
    host = await startRecordingHost();
    service = await startMirrorService({
      MIRROR_ALLOWED_HOSTS: host.authority,
      MIRROR_MAX_BYTES: String(MAX_BYTES),
      MIRROR_ATTEMPT_DEADLINE_MS: String(DEADLINE_MS),
      MIRROR_FETCH_TIMEOUT_MS: "2000",
      MIRROR_MAX_ATTEMPTS: "2",
    });
  });
  afterAll(async () => {
    await service.stop();
    await host.close();
  });

  /** Neither an object under the session's key nor a half-written file. */
  async function expectNothingStored(sessionId: string): Promise<void> {
    expect((await filesUnder(service.storageDir)).filter((key) => key.includes(sessionId))).toEqual([]);
    expect(await readdir(path.join(service.storageDir, ".incoming")).catch(() => [])).toEqual([]);
  }

  it("refuses a recording whose Content-Length is over MIRROR_MAX_BYTES before reading its body, at the first attempt", async () => {
    host.serve("/announced-large.mp3", file(audio(MAX_BYTES + 1).bytes, "audio/mpeg"));

    const row = await service.pushRecordAndSettle(host.url("/announced-large.mp3"));

    expect(row).toMatchObject({
      mirrorStatus: "failed",
      mirrorAttempts: 1,
      storageKey: null,
      mirrorError: `refused: ${host.authority} announced ${MAX_BYTES + 1} bytes (Content-Length), more than MIRROR_MAX_BYTES (${MAX_BYTES})`,
    });
    await expectNothingStored(row.sessionId);
  });

  it.each([
    ["a body without Content-Length that grows past the limit", () => chunked(audio(3 * MAX_BYTES).bytes)],
    ["a body that never ends", () => endless(8192, 5)],
  ])("stops %s as soon as it passes MIRROR_MAX_BYTES", async (_case, behaviour) => {
    host.serve("/growing.mp3", behaviour());

    const row = await service.pushRecordAndSettle(host.url("/growing.mp3"));

    expect(row).toMatchObject({
      mirrorStatus: "failed",
      mirrorAttempts: 1,
      storageKey: null,
      mirrorError: `refused: the body went past MIRROR_MAX_BYTES (${MAX_BYTES} bytes) and had not ended`,
    });
    await expectNothingStored(row.sessionId);
  });

  it("mirrors a recording of exactly MIRROR_MAX_BYTES, with or without Content-Length", async () => {
    const track = audio(MAX_BYTES);
    host.serve("/at-limit.mp3", file(track.bytes, "audio/mpeg"));
    host.serve("/at-limit-chunked.mp3", chunked(track.bytes));

    const rows = [await service.pushRecordAndSettle(host.url("/at-limit.mp3")), await service.pushRecordAndSettle(host.url("/at-limit-chunked.mp3"))];

    for (const row of rows) expect(row).toMatchObject({ mirrorStatus: "mirrored", sizeBytes: BigInt(MAX_BYTES), sha256: track.sha256 });
  });

  it("ends an attempt at MIRROR_ATTEMPT_DEADLINE_MS when the source trickles too slowly to ever trip the idle timeout", async () => {
    // 50 bytes every 300 ms: never silent for the 2 s idle timeout, and a minute to send 10 kB
    host.serve("/trickling.mp3", trickle(audio(10_000).bytes, 200, 300));
    const started = Date.now();

    const row = await service.pushRecordAndSettle(host.url("/trickling.mp3"));

    expect(row).toMatchObject({ mirrorStatus: "failed", mirrorAttempts: 2, storageKey: null });
    expect(row.mirrorError).toMatch(
      new RegExp(`^gave up after 2 attempts: stopped after MIRROR_ATTEMPT_DEADLINE_MS \\(${DEADLINE_MS} ms\\), with \\d+ of 10000 bytes received from ${host.authority.replace(/\./g, "\\.")}$`),
    );
    expect(Date.now() - started).toBeLessThan(20_000);
    await expectNothingStored(row.sessionId);
  });
});
