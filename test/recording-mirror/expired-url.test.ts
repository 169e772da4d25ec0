import { startRecordingHost, status, type RecordingHost } from "./support/recording-host";
import { startMirrorService, type MirrorTestService } from "./support/mirror-service";

describe("an expired or revoked recording URL", () => {
  let host: RecordingHost;
  let service: MirrorTestService;
  beforeAll(async () => {
    host = await startRecordingHost();
    service = await startMirrorService({ MIRROR_ALLOWED_HOSTS: host.authority, MIRROR_MAX_ATTEMPTS: "5" });
  });
  afterAll(async () => {
    await service.stop();
    await host.close();
  });

  it.each([403, 404, 410])("answering %i, ends failed after one request with a readable reason", async (code) => {
    host.serve(`/gone-${code}.mp3`, status(code));

    const row = await service.pushRecordAndSettle(host.url(`/gone-${code}.mp3`));

    expect(row).toMatchObject({ mirrorStatus: "failed", mirrorAttempts: 1, storageKey: null });
    expect(row.mirrorError).toBe(`${host.authority} answered ${code}: the recording URL expired or was revoked`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(host.requestsFor(`/gone-${code}.mp3`)).toBe(1);
  });
});
