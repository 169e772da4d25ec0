import { nowSec, startReconcileFixture, TEST_SECRET_KEY, type ReconcileFixture } from "../support/reconcile-fixture";
import { sampleTelCdrs } from "../support/tel-cdr-samples";
import { uniqueSdkAppId, type TestService } from "../support/test-service";

describe("a window that fails", () => {
  let fixture: ReconcileFixture;
  let service: TestService;
  let wrongKeyService: TestService;
  beforeAll(async () => {
    fixture = await startReconcileFixture();
    const sweep = { RECONCILE_INITIAL_LOOKBACK: "3h", RECONCILE_LAG_SEC: "300", RECONCILE_OVERLAP_SEC: "600" };
    service = await fixture.startService(sweep);
    wrongKeyService = await fixture.startService({ ...sweep, TCCC_SECRET_KEY: `${TEST_SECRET_KEY}-wrong` });
  });
  afterAll(() => fixture.stop());

  const watermarkOf = (appId: number) => service.database.prisma.reconcileWatermark.findUnique({ where: { sdkAppId: BigInt(appId) } });

  it("refused for a wrong key: the run is failed with the vendor's code and message, the watermark stays, the next run catches up", async () => {
    const appId = uniqueSdkAppId();
    // inside the lag-to-overlap band, so the next sweep reads them again
    fixture.fake.source.add(appId, ...sampleTelCdrs(appId, 10, nowSec() - 400));
    await service.reconciliation!.sweep(appId);
    const before = await watermarkOf(appId);

    const [failed] = await wrongKeyService.reconciliation!.sweep(appId);

    expect(failed).toMatchObject({ status: "failed", fetched: 0 });
    const run = await service.database.prisma.reconcileRun.findUniqueOrThrow({ where: { id: failed!.runId } });
    expect(run.status).toBe("failed");
    expect(run.finishedAt).toBeInstanceOf(Date);
    expect(run.error).toMatch(/^AuthFailure\.SignatureFailure: The provided credentials could not be validated\. .*\(RequestId [0-9a-f-]{36}\)$/);
    expect(await watermarkOf(appId)).toEqual(before);

    const [next] = await service.reconciliation!.sweep(appId);
    expect(next).toMatchObject({ status: "succeeded", fetched: 10, created: 0 });
  });

  it("rejected half-way: pages already read are kept, the run is failed and the watermark is not set", async () => {
    const appId = uniqueSdkAppId();
    fixture.fake.source.add(appId, ...sampleTelCdrs(appId, 450, nowSec() - 2 * 3600, 5));
    fixture.fake.failNext(1, { code: "InvalidParameterValue", message: "PageNumber is out of range." }, 3);

    const [failed] = await service.reconciliation!.sweep(appId);

    expect(failed?.status).toBe("failed");
    expect(failed?.error).toMatch(/^InvalidParameterValue: PageNumber is out of range\./);
    expect(await watermarkOf(appId)).toBeNull();
    const run = await service.database.prisma.reconcileRun.findUniqueOrThrow({ where: { id: failed!.runId } });
    expect(run).toMatchObject({ status: "failed", fetched: failed!.fetched, created: failed!.created });
    expect(await service.database.prisma.callSession.count({ where: { sdkAppId: BigInt(appId) } })).toBe(failed!.created);

    const [retried] = await service.reconciliation!.sweep(appId);
    expect(retried).toMatchObject({ status: "succeeded", fetched: 450, created: 450 - failed!.created });
    expect(await watermarkOf(appId)).not.toBeNull();
  });

  it("cut off by network errors: the requests are retried and the run succeeds", async () => {
    const appId = uniqueSdkAppId();
    fixture.fake.source.add(appId, ...sampleTelCdrs(appId, 150, nowSec() - 2 * 3600));
    fixture.fake.failNext(2, "network");
    fixture.fake.failNext(1, { code: "InternalError", message: "An internal error has occurred." });

    const [run] = await service.reconciliation!.sweep(appId);

    expect(run).toMatchObject({ status: "succeeded", fetched: 150, created: 150 });
    expect(fixture.fake.answers(appId).filter((answer) => answer !== "ok").sort()).toEqual(["InternalError", "network", "network"]);
  });
});
