import { loadConfig } from "../../src/config/env";
import { sampleRecord } from "../support/payloads";
import { uniqueSdkAppId, uniqueSessionId } from "../support/test-service";
import { audio, file, redirect, startRecordingHost, type RecordingHost } from "./support/recording-host";
import { startMirrorService, type MirrorTestService } from "./support/mirror-service";

describe("a RecordURL outside MIRROR_ALLOWED_HOSTS", () => {
  let allowed: RecordingHost;
  let outside: RecordingHost;
  let service: MirrorTestService;
  beforeAll(async () => {
    allowed = await startRecordingHost();
    outside = await startRecordingHost();
    outside.serve("/secret", file(Buffer.from("internal data")));
    service = await startMirrorService({ MIRROR_ALLOWED_HOSTS: `.myqcloud.com,${allowed.authority},.localhost:${outside.port}` });
  });
  afterAll(async () => {
    await service.stop();
    await Promise.all([allowed.close(), outside.close()]);
  });

  it("at 127.0.0.1 on a port the list does not name, ends failed and is never requested", async () => {
    const row = await service.pushRecordAndSettle(outside.url("/secret"));

    expect(row).toMatchObject({ mirrorStatus: "failed", mirrorAttempts: 1, storageKey: null });
    expect(row.mirrorError).toBe(`refused: ${outside.authority} is not in MIRROR_ALLOWED_HOSTS`);
    expect(outside.totalRequests).toBe(0);
  });

  it("at the cloud metadata address 169.254.169.254, ends failed without a connection", async () => {
    const row = await service.pushRecordAndSettle("http://169.254.169.254/latest/meta-data/iam/security-credentials/");

    expect(row).toMatchObject({ mirrorStatus: "failed", mirrorAttempts: 1 });
    expect(row.mirrorError).toBe("refused: 169.254.169.254 is not in MIRROR_ALLOWED_HOSTS");
  });

  it("whose name matches a .domain entry but resolves to loopback, is refused before any request", async () => {
    const row = await service.pushRecordAndSettle(`http://localhost:${outside.port}/secret`);

    expect(row.mirrorStatus).toBe("failed");
    expect(row.mirrorError).toMatch(/^refused: localhost resolves to non-public address 127\.0\.0\.1/);
    expect(outside.totalRequests).toBe(0);
  });

  it("reached by a redirect from an allowed host, is refused at the redirect", async () => {
    allowed.serve("/redirect-out.mp3", redirect(outside.url("/secret")));

    const row = await service.pushRecordAndSettle(allowed.url("/redirect-out.mp3"));

    expect(row).toMatchObject({ mirrorStatus: "failed", mirrorAttempts: 1 });
    expect(row.mirrorError).toBe(`refused: ${outside.authority} is not in MIRROR_ALLOWED_HOSTS`);
    expect(allowed.requestsFor("/redirect-out.mp3")).toBe(1);
    expect(outside.totalRequests).toBe(0);
  });

  it("with another scheme, is refused at intake: the push is stored failed and there is no track to fetch", async () => {
    const appId = uniqueSdkAppId();
    const sessionId = uniqueSessionId();

    await service.push("record", sampleRecord(appId, sessionId, { RecordURL: "file:///etc/passwd" }), { pushUuid: `file-${sessionId}` });

    const stored = await service.database.prisma.pushInbox.findFirstOrThrow({ where: { pushUuid: `file-${sessionId}` } });
    expect(stored).toMatchObject({ status: "failed", error: 'RecordURL: must be an http(s) URL, not "file:///etc/passwd"' });
    expect(await service.database.prisma.recording.count({ where: { sdkAppId: BigInt(appId) } })).toBe(0);
  });

  it("reached by a redirect to another scheme, is refused at the redirect", async () => {
    allowed.serve("/redirect-to-file.mp3", redirect("file:///etc/passwd"));

    const row = await service.pushRecordAndSettle(allowed.url("/redirect-to-file.mp3"));

    expect(row).toMatchObject({ mirrorStatus: "failed", mirrorError: "refused: scheme file: is not http or https" });
  });

  it("is not confused with a redirect inside the list, which is followed", async () => {
    const track = audio(4000);
    allowed.serve("/old-place.mp3", redirect("/new-place.mp3", 301));
    allowed.serve("/new-place.mp3", file(track.bytes));

    const row = await service.pushRecordAndSettle(allowed.url("/old-place.mp3"));

    expect(row).toMatchObject({ mirrorStatus: "mirrored", sha256: track.sha256 });
  });
});

describe("MIRROR_ALLOWED_HOSTS", () => {
  it("stops the start with the variable's name when an entry is not a host", () => {
    expect(() => loadConfig({ MIRROR_ALLOWED_HOSTS: ".myqcloud.com,http://evil/" })).toThrow(/MIRROR_ALLOWED_HOSTS: "http:\/\/evil\/" is not a host/);
  });
});
