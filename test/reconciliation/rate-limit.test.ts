import { nowSec, startReconcileFixture, type ReconcileFixture } from "../support/reconcile-fixture";
import { sampleTelCdrs } from "../support/tel-cdr-samples";
import { uniqueSdkAppId, type TestService } from "../support/test-service";

jest.setTimeout(90_000);

describe("the request rate per application", () => {
  let fixture: ReconcileFixture;
  let workerA: TestService;
  let workerB: TestService;
  beforeAll(async () => {
    fixture = await startReconcileFixture();
    // two processes of one deployment share Redis and the queue prefix, and nothing else
    const shared = { QUEUE_PREFIX: `{tccc-test-rate-${process.pid}}`, RECONCILE_CONCURRENCY: "8" };
    workerA = await fixture.startService(shared);
    workerB = await fixture.startService(shared);
  });
  afterAll(() => fixture.stop());

  it("stays at or under 20 requests per second when two workers read the same application", async () => {
    const appId = uniqueSdkAppId();
    const first = nowSec() - 4 * 3600;
    fixture.fake.source.add(appId, ...sampleTelCdrs(appId, 3000, first, 2));
    const started = performance.now();

    const [a, b] = await Promise.all([
      workerA.reconciliation!.reconcileWindow(BigInt(appId), { start: first, end: first + 2999 }),
      workerB.reconciliation!.reconcileWindow(BigInt(appId), { start: first + 3000, end: first + 6000 }),
    ]);

    expect(a).toMatchObject({ status: "succeeded", fetched: 1500, created: 1500 });
    expect(b).toMatchObject({ status: "succeeded", fetched: 1500, created: 1500 });
    expect(fixture.fake.answers(appId)).toHaveLength(30);
    expect(fixture.fake.answers(appId).every((answer) => answer === "ok")).toBe(true);
    expect(fixture.fake.peakRequests(appId)).toBeLessThanOrEqual(20);
    // 30 requests at most 20 a second cannot all fit in one second
    expect(performance.now() - started).toBeGreaterThan(1000);
  });

  it("backs off and retries when the API answers RequestLimitExceeded anyway (another client shares the budget)", async () => {
    const appId = uniqueSdkAppId();
    const first = nowSec() - 4 * 3600;
    fixture.fake.source.add(appId, ...sampleTelCdrs(appId, 1200, first));
    fixture.fake.failNext(3, { code: "RequestLimitExceeded", message: "The number of requests exceeds the frequency limit." });

    const result = await workerA.reconciliation!.reconcileWindow(BigInt(appId), { start: first, end: first + 1200 });

    expect(result).toMatchObject({ status: "succeeded", fetched: 1200, created: 1200 });
    const answers = fixture.fake.answers(appId);
    expect(answers.filter((answer) => answer === "RequestLimitExceeded")).toHaveLength(3);
    expect(answers.filter((answer) => answer === "ok")).toHaveLength(12);
  });
});
