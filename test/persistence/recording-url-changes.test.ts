import { audio, file, startRecordingHost, type RecordingHost } from "../recording-mirror/support/recording-host";
import { filesUnder, settledRecording, startMirrorService, type MirrorTestService } from "../recording-mirror/support/mirror-service";
import { startFakeTcccApi, type FakeTcccApi } from "../support/fake-tccc-api";
import { sampleRecord } from "../support/payloads";
import { nowSec, TEST_SECRET_ID, TEST_SECRET_KEY, useReconcileService } from "../support/reconcile-fixture";
import { answeredInboundCall, mediaUrl } from "../support/tel-cdr-samples";
import { uniqueSdkAppId, uniqueSessionId } from "../support/test-service";

/**
 * A track's URL can change between deliveries: the API signs its links anew on every read, a push may repeat a track
 * with another link or add the customer's own copy (CustomRecordURL). Which one the row keeps must not depend on
 * the order they came in, and a track already in storage must keep the row that describes it.
 */

describe("a track already mirrored, told of another URL later", () => {
  let host: RecordingHost;
  let fake: FakeTcccApi;
  let service: MirrorTestService;
  beforeAll(async () => {
    host = await startRecordingHost();
    fake = await startFakeTcccApi({ secretId: TEST_SECRET_ID, secretKey: TEST_SECRET_KEY });
    service = await startMirrorService({ MIRROR_ALLOWED_HOSTS: host.authority, TCCC_SECRET_ID: TEST_SECRET_ID, TCCC_SECRET_KEY: TEST_SECRET_KEY, TCCC_API_ENDPOINT: fake.url });
  });
  afterAll(async () => {
    await service.stop();
    await Promise.all([host.close(), fake.close()]);
  });

  it("keeps its record_url, storage_key, size, sha256 and status, whether a push or reconciliation brings it", async () => {
    const appId = uniqueSdkAppId();
    const sessionId = uniqueSessionId();
    const start = nowSec() - 2 * 3600;
    const listed = answeredInboundCall(sessionId, start, { mediaOrigin: `http://${host.authority}` });
    const [original, repushed] = [audio(40_000), audio(50_000)];
    host.serve(`/first/${sessionId}.mp3`, file(original.bytes));
    host.serve(`/second/${sessionId}.mp3`, file(repushed.bytes));
    host.serve(new URL(listed.RecordURL).pathname, file(audio(60_000).bytes));
    const track = { RecordId: listed.RecordId, EndpointUser: "008613912345678", Timestamp: start + 30 };
    await service.push("record", sampleRecord(appId, sessionId, { ...track, RecordURL: host.url(`/first/${sessionId}.mp3`) }), { pushUuid: `first-${sessionId}` });
    const mirrored = await settledRecording(service.database.prisma, BigInt(appId), sessionId);
    expect(mirrored).toMatchObject({ mirrorStatus: "mirrored", sizeBytes: 40_000n, sha256: original.sha256, mirrorAttempts: 1 });

    await service.push("record", sampleRecord(appId, sessionId, { ...track, RecordURL: host.url(`/second/${sessionId}.mp3`), CustomRecordURL: host.url(`/own-bucket/${sessionId}.mp3`) }), {
      pushUuid: `second-${sessionId}`,
    });
    fake.source.add(appId, listed);
    await service.reconciliation!.reconcileWindow(BigInt(appId), { start: start - 60, end: start + 60 });
    // time for a mirror job, had one been queued
    await new Promise((resolve) => setTimeout(resolve, 500));

    const row = await service.database.prisma.recording.findUniqueOrThrow({ where: { id: mirrored.id } });
    expect(row).toMatchObject({
      recordUrl: host.url(`/first/${sessionId}.mp3`),
      customRecordUrl: null,
      storageKey: mirrored.storageKey,
      sizeBytes: 40_000n,
      sha256: original.sha256,
      mirrorStatus: "mirrored",
      mirroredAt: mirrored.mirroredAt,
      mirrorAttempts: 1,
    });
    expect(await service.database.prisma.recording.count({ where: { sdkAppId: BigInt(appId), sessionId, kind: "call", recordId: listed.RecordId } })).toBe(1);
    expect(await filesUnder(service.storageDir)).toEqual([mirrored.storageKey]);
  });
});

describe("a track not mirrored yet, told of several URLs", () => {
  const context = useReconcileService();
  const prisma = () => context.service.database.prisma;
  const start = nowSec() - 2 * 3600;
  const vendorUrl = (name: string) => `https://recorder-10018504.cos.ap-shanghai.myqcloud.com/def/${name}.mp3`;

  async function trackAfter(deliveries: ("push-a" | "push-b" | "api")[]) {
    const appId = uniqueSdkAppId();
    const sessionId = uniqueSessionId();
    const listed = answeredInboundCall(sessionId, start);
    context.fixture.fake.source.add(appId, listed);
    const pushes = {
      "push-a": sampleRecord(appId, sessionId, { RecordId: listed.RecordId, RecordURL: vendorUrl("a"), CustomRecordURL: "https://own-1250000000.cos.ap-guangzhou.myqcloud.com/a.mp3" }),
      "push-b": sampleRecord(appId, sessionId, { RecordId: listed.RecordId, RecordURL: vendorUrl("b"), CustomRecordURL: "https://own-1250000000.cos.ap-guangzhou.myqcloud.com/b.mp3" }),
    };
    for (const delivery of deliveries) {
      if (delivery === "api") await context.service.reconciliation!.reconcileWindow(BigInt(appId), { start: start - 60, end: start + 60 });
      else await context.service.push("record", pushes[delivery], { pushUuid: `${delivery}-${sessionId}` });
    }
    const row = await prisma().recording.findFirstOrThrow({ where: { sdkAppId: BigInt(appId), sessionId, recordId: listed.RecordId } });
    return { recordUrl: row.recordUrl, customRecordUrl: row.customRecordUrl, mirrorStatus: row.mirrorStatus, listedUrl: listed.RecordURL };
  }

  it("takes a push's URL over the API's, whichever came first", async () => {
    const apiFirst = await trackAfter(["api", "push-a"]);
    const pushFirst = await trackAfter(["push-a", "api"]);

    expect(apiFirst).toMatchObject({ recordUrl: vendorUrl("a"), customRecordUrl: "https://own-1250000000.cos.ap-guangzhou.myqcloud.com/a.mp3", mirrorStatus: "pending" });
    expect(pushFirst).toMatchObject({ recordUrl: vendorUrl("a"), customRecordUrl: "https://own-1250000000.cos.ap-guangzhou.myqcloud.com/a.mp3", mirrorStatus: "pending" });
  });

  it("between two pushes keeps the URL that sorts last, whichever came first", async () => {
    const orders = [["push-a", "push-b"], ["push-b", "push-a"], ["push-b", "api", "push-a"], ["api", "push-a", "push-b"]] as const;

    const rows = await Promise.all(orders.map((order) => trackAfter([...order])));

    for (const row of rows) expect(row).toMatchObject({ recordUrl: vendorUrl("b"), customRecordUrl: "https://own-1250000000.cos.ap-guangzhou.myqcloud.com/b.mp3" });
  });

  it("between two API reads keeps the link that sorts last: of two signatures of one file, the later one", async () => {
    const sessionId = uniqueSessionId();
    const signedEarlier = answeredInboundCall(sessionId, start);
    const signedLater = { ...signedEarlier, RecordURL: mediaUrl(`${sessionId}/customer.mp3`, start + 7200) };
    // each listing in a window of its own, read one after the other: first the later signature, then the reverse
    const [first, second] = [{ start: start - 60, end: start + 60 }, { start: start + 540, end: start + 660 }];
    const readInTurn = async (firstListed: typeof signedEarlier, secondListed: typeof signedEarlier) => {
      const appId = uniqueSdkAppId();
      context.fixture.fake.source.add(appId, firstListed, { ...secondListed, Time: start + 600 });
      for (const window of [first, second]) expect(await context.service.reconciliation!.reconcileWindow(BigInt(appId), window)).toMatchObject({ status: "succeeded", fetched: 1 });
      return (await prisma().recording.findFirstOrThrow({ where: { sdkAppId: BigInt(appId), sessionId, recordId: signedEarlier.RecordId } })).recordUrl;
    };

    expect(await readInTurn(signedLater, signedEarlier)).toBe(signedLater.RecordURL);
    expect(await readInTurn(signedEarlier, signedLater)).toBe(signedLater.RecordURL);
  });
});
