import { randomUUID } from "node:crypto";
import { audio, file, startRecordingHost, status, type RecordingHost } from "../recording-mirror/support/recording-host";
import { settledRecording, startMirrorService, type MirrorTestService } from "../recording-mirror/support/mirror-service";
import type { Prisma } from "../../src/generated/prisma/client";
import { sampleRecord } from "../support/payloads";
import { runCli } from "../support/run-cli";
import { uniqueSdkAppId, uniqueSessionId } from "../support/test-service";

jest.setTimeout(60_000);

describe("the CLI's remirror and replay of recordings, against a running service", () => {
  const queuePrefix = `{tccc-cli-${randomUUID().slice(0, 8)}}`;
  const cli = (...args: string[]) => runCli(args, { QUEUE_PREFIX: queuePrefix });
  let host: RecordingHost;
  let service: MirrorTestService;
  beforeAll(async () => {
    host = await startRecordingHost();
    service = await startMirrorService({ MIRROR_ALLOWED_HOSTS: host.authority, QUEUE_PREFIX: queuePrefix });
  });
  afterAll(async () => {
    await service.stop();
    await host.close();
  });

  it("remirror <id> sends a failed track to the mirror again, which copies it once its URL works", async () => {
    host.serve("/back.mp3", status(404));
    const failed = await service.pushRecordAndSettle(host.url("/back.mp3"));
    const { bytes, sha256 } = audio(32 * 1024);
    host.serve("/back.mp3", file(bytes, "audio/mpeg"));

    const { code, stdout } = await cli("remirror", failed.id.toString());

    expect(code).toBe(0);
    expect(stdout).toBe(`recording ${failed.id}: queued for the mirror\n`);
    await expect(settledRecording(service.database.prisma, failed.sdkAppId, failed.sessionId)).resolves.toMatchObject({ mirrorStatus: "mirrored", sha256 });
  });

  it("remirror exits 1 for a recording that does not exist, and 2 when asked nothing", async () => {
    expect(await cli("remirror", "999999999999")).toMatchObject({ code: 1, stderr: "no recording with id 999999999999\n" });
    expect((await cli("remirror")).code).toBe(2);
  });

  it("replay <pushUuid> of a recording push queues its mirror job, as the admin API's replay does (the sweep is off here)", async () => {
    const appId = uniqueSdkAppId();
    const sessionId = uniqueSessionId();
    const { bytes, sha256 } = audio(32 * 1024);
    host.serve("/replayed.mp3", file(bytes, "audio/mpeg"));
    const pushUuid = `old-bug-${randomUUID()}`;
    const body = sampleRecord(appId, sessionId, { RecordURL: host.url("/replayed.mp3") });
    await service.database.prisma.pushInbox.create({
      data: { pushUuid, action: "record", sdkAppId: BigInt(appId), body: body as Prisma.InputJsonObject, status: "failed", error: "bug in v0.9" },
    });

    const { code, stdout } = await runCli(["replay", pushUuid], { QUEUE_PREFIX: queuePrefix, MIRROR_ENABLED: "true" });

    expect({ code, stdout }).toEqual({ code: 0, stdout: `${pushUuid}: processed\n` });
    const mirrored = await settledRecording(service.database.prisma, BigInt(appId), sessionId);
    expect(mirrored).toMatchObject({ mirrorStatus: "mirrored", sha256, sizeBytes: BigInt(bytes.length), mirrorAttempts: 1 });
  });
});
