import type { TelCdrInfo } from "tencentcloud-sdk-nodejs/tencentcloud/services/ccc/v20200210/ccc_models";
import { nowSec, startReconcileFixture, TEST_SECRET_KEY, type ReconcileFixture } from "../support/reconcile-fixture";
import { answeredInboundCall, sampleTelCdrs } from "../support/tel-cdr-samples";
import { uniqueSdkAppId, uniqueSessionId, type TestService } from "../support/test-service";

describe("a window that fails", () => {
  let fixture: ReconcileFixture;
  let service: TestService;
  let wrongKeyService: TestService;
  let hourlyService: TestService;
  beforeAll(async () => {
    fixture = await startReconcileFixture();
    const sweep = { RECONCILE_INITIAL_LOOKBACK: "3h", RECONCILE_LAG_SEC: "300", RECONCILE_OVERLAP_SEC: "600" };
    service = await fixture.startService(sweep);
    wrongKeyService = await fixture.startService({ ...sweep, TCCC_SECRET_KEY: `${TEST_SECRET_KEY}-wrong` });
    hourlyService = await fixture.startService({ ...sweep, RECONCILE_MAX_WINDOW_SEC: "3600" });
  });
  afterAll(() => fixture.stop());

  const watermarkOf = (appId: number) => service.database.prisma.reconcileWatermark.findUnique({ where: { sdkAppId: BigInt(appId) } });

  it("refused for a wrong key: the run is failed with the vendor's code and message, the watermark stays, the next run catches up", async () => {
    const appId = uniqueSdkAppId();
    // inside the lag-to-overlap band, so the next sweep reads them again
    fixture.fake.source.add(appId, ...sampleTelCdrs(appId, 10, nowSec() - 400));
    await service.reconciliation!.sweep(BigInt(appId));
    const before = await watermarkOf(appId);

    const [failed] = await wrongKeyService.reconciliation!.sweep(BigInt(appId));

    expect(failed).toMatchObject({ status: "failed", fetched: 0 });
    const run = await service.database.prisma.reconcileRun.findUniqueOrThrow({ where: { id: failed!.runId } });
    expect(run.status).toBe("failed");
    expect(run.finishedAt).toBeInstanceOf(Date);
    expect(run.error).toMatch(/^AuthFailure\.SignatureFailure: The provided credentials could not be validated\. .*\(RequestId [0-9a-f-]{36}\)$/);
    expect(await watermarkOf(appId)).toEqual(before);

    const [next] = await service.reconciliation!.sweep(BigInt(appId));
    expect(next).toMatchObject({ status: "succeeded", fetched: 10, created: 0 });
  });

  it("rejected half-way: pages already read are kept, the run is failed and the watermark is not set", async () => {
    const appId = uniqueSdkAppId();
    fixture.fake.source.add(appId, ...sampleTelCdrs(appId, 450, nowSec() - 2 * 3600, 5));
    fixture.fake.failNext(1, { code: "InvalidParameterValue", message: "PageNumber is out of range." }, 3);

    const [failed] = await service.reconciliation!.sweep(BigInt(appId));

    expect(failed?.status).toBe("failed");
    expect(failed?.error).toMatch(/^InvalidParameterValue: PageNumber is out of range\./);
    expect(await watermarkOf(appId)).toBeNull();
    const run = await service.database.prisma.reconcileRun.findUniqueOrThrow({ where: { id: failed!.runId } });
    expect(run).toMatchObject({ status: "failed", fetched: failed!.fetched, created: failed!.created });
    expect(await service.database.prisma.callSession.count({ where: { sdkAppId: BigInt(appId) } })).toBe(failed!.created);

    const [retried] = await service.reconciliation!.sweep(BigInt(appId));
    expect(retried).toMatchObject({ status: "succeeded", fetched: 450, created: 450 - failed!.created });
    expect(await watermarkOf(appId)).not.toBeNull();
  });

  it("cut off by network errors: the requests are retried and the run succeeds", async () => {
    const appId = uniqueSdkAppId();
    fixture.fake.source.add(appId, ...sampleTelCdrs(appId, 150, nowSec() - 2 * 3600));
    fixture.fake.failNext(2, "network");
    fixture.fake.failNext(1, { code: "InternalError", message: "An internal error has occurred." });

    const [run] = await service.reconciliation!.sweep(BigInt(appId));

    expect(run).toMatchObject({ status: "succeeded", fetched: 150, created: 150 });
    expect(fixture.fake.answers(appId).filter((answer) => answer !== "ok").sort()).toEqual(["InternalError", "network", "network"]);
  });

  /** Records that break the API's contract, as a misbehaving API or a future change of it could send them. */
  const offContract = (record: Record<string, unknown>) => record as TelCdrInfo;

  it("with records that cannot be read: kept and counted, named in the error, the run failed and the watermark not set", async () => {
    const appId = uniqueSdkAppId();
    const start = nowSec() - 2 * 3600;
    const good = sampleTelCdrs(appId, 5, start, 60);
    const { SessionId: _dropped, ...withoutSessionId } = answeredInboundCall(uniqueSessionId(), start + 400);
    const numericUrlSession = uniqueSessionId();
    const numericUrl = offContract({ ...answeredInboundCall(numericUrlSession, start + 500), RecordURL: 42 });
    fixture.fake.source.add(appId, ...good, withoutSessionId, numericUrl);

    const [failed] = await service.reconciliation!.sweep(BigInt(appId));

    expect(failed).toMatchObject({ status: "failed", complete: true, fetched: 7, created: 5, updated: 0, unchanged: 0, failedRecords: 2 });
    const run = await service.database.prisma.reconcileRun.findUniqueOrThrow({ where: { id: failed!.runId } });
    expect(run).toMatchObject({ status: "failed", fetched: 7, created: 5, failedRecords: 2 });
    expect(run.created + run.updated + run.unchanged + run.failedRecords).toBe(run.fetched);
    expect(run.error).toMatch(/^2 records could not be read \(kept in tel_cdr_records\): /);
    expect(run.error).toContain("(no SessionId): SessionId: SessionId is required");
    expect(run.error).toContain(`${numericUrlSession}: RecordURL: must be an http(s) URL, not the number 42`);
    expect(await watermarkOf(appId)).toBeNull();
    expect(await service.database.prisma.callSession.count({ where: { sdkAppId: BigInt(appId) } })).toBe(5);
    const failedRaw = await service.database.prisma.telCdrRecord.findMany({ where: { sdkAppId: BigInt(appId), status: "failed" }, orderBy: { recordKey: "asc" } });
    expect(failedRaw.map((row) => [row.recordKey.replace(/^sha256:[0-9a-f]{64}$/, "sha256:…"), row.sessionId, row.body])).toEqual(
      [
        [numericUrlSession, numericUrlSession, numericUrl],
        ["sha256:…", null, withoutSessionId],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );

    const [again] = await service.reconciliation!.sweep(BigInt(appId));

    expect(again).toMatchObject({ status: "failed", fetched: 7, created: 0, unchanged: 5, failedRecords: 2 });
    expect(await service.database.prisma.telCdrRecord.count({ where: { sdkAppId: BigInt(appId) } })).toBe(7);
    expect(await watermarkOf(appId)).toBeNull();
  });

  it("with records that cannot be read in one window: the later windows are still read, the watermark stays before it", async () => {
    const appId = uniqueSdkAppId();
    const hour = (Math.floor(nowSec() / 3600) - 2) * 3600;
    const { SessionId: _dropped, ...withoutSessionId } = answeredInboundCall(uniqueSessionId(), hour + 600);
    const later = sampleTelCdrs(appId, 3, hour + 3600 + 60, 60);
    fixture.fake.source.add(appId, withoutSessionId, ...later);

    const results = await hourlyService.reconciliation!.sweep(BigInt(appId));

    const runs = await hourlyService.database.prisma.reconcileRun.findMany({ where: { id: { in: results.map((result) => result.runId) } }, orderBy: { windowStart: "asc" } });
    const failedAt = runs.findIndex((run) => run.status === "failed");
    expect(runs[failedAt]).toMatchObject({ windowStart: new Date(hour * 1000), failedRecords: 1 });
    // the next hour, and the current one unless it began less than RECONCILE_LAG_SEC ago
    expect(runs.slice(failedAt + 1).map((run) => run.status)).toEqual(runs.length - failedAt === 3 ? ["succeeded", "succeeded"] : ["succeeded"]);
    expect(await hourlyService.database.prisma.callSession.count({ where: { sdkAppId: BigInt(appId) } })).toBe(3);
    // moved over the windows before the failed one, never past it
    expect((await watermarkOf(appId))?.reconciledUntil ?? null).toEqual(failedAt > 0 ? runs[failedAt - 1]!.windowEnd : null);
  });
});
