import { audio, file, startRecordingHost, type RecordingHost } from "./support/recording-host";
import { startMirrorService, type MirrorTestService } from "./support/mirror-service";

describe("a track that also has a CustomRecordURL (already in the customer's own bucket)", () => {
  let host: RecordingHost;
  beforeAll(async () => {
    host = await startRecordingHost();
  });
  afterAll(() => host.close());

  async function withService(policy: Record<string, string>, test: (service: MirrorTestService) => Promise<void>) {
    const service = await startMirrorService({ MIRROR_ALLOWED_HOSTS: host.authority, ...policy });
    try {
      await test(service);
    } finally {
      await service.stop();
    }
  }

  it("is skipped by default, with the reason on the row and nothing fetched", () =>
    withService({}, async (service) => {
      host.serve("/vendor/skip.mp3", file(audio(1000).bytes));

      const row = await service.pushRecordAndSettle(host.url("/vendor/skip.mp3"), { CustomRecordURL: host.url("/customer/skip.mp3") });

      expect(row).toMatchObject({ mirrorStatus: "skipped", mirrorAttempts: 0, storageKey: null });
      expect(row.mirrorError).toMatch(/already in the customer's own bucket/);
      expect(host.requestsFor("/vendor/skip.mp3") + host.requestsFor("/customer/skip.mp3")).toBe(0);
    }));

  it("is mirrored from the vendor's RecordURL with MIRROR_CUSTOM_RECORD_URL=mirror", () =>
    withService({ MIRROR_CUSTOM_RECORD_URL: "mirror" }, async (service) => {
      const track = audio(1000);
      host.serve("/vendor/copy.mp3", file(track.bytes));

      const row = await service.pushRecordAndSettle(host.url("/vendor/copy.mp3"), { CustomRecordURL: host.url("/customer/copy.mp3") });

      expect(row).toMatchObject({ mirrorStatus: "mirrored", sha256: track.sha256 });
      expect(host.requestsFor("/customer/copy.mp3")).toBe(0);
    }));
});
