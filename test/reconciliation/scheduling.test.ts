import { setTimeout as sleep } from "node:timers/promises";
import { nowSec, startReconcileFixture, type ReconcileFixture } from "../support/reconcile-fixture";
import { sampleTelCdrs } from "../support/tel-cdr-samples";
import { startTestService, uniqueSdkAppId } from "../support/test-service";

describe("reconciliation in the running service", () => {
  let fixture: ReconcileFixture;
  beforeAll(async () => {
    fixture = await startReconcileFixture();
  });
  afterAll(() => fixture.stop());

  it("sweeps every application of TCCC_SDK_APP_IDS on a schedule, without being asked", async () => {
    const [appA, appB] = [uniqueSdkAppId(), uniqueSdkAppId()];
    fixture.fake.source.add(appA, ...sampleTelCdrs(appA, 3, nowSec() - 3600));
    fixture.fake.source.add(appB, ...sampleTelCdrs(appB, 2, nowSec() - 3600));

    const service = await fixture.startService({ TCCC_SDK_APP_IDS: `${appA}, ${appB}`, RECONCILE_INTERVAL_SEC: "900" });

    const prisma = service.database.prisma;
    const watermarks = () => prisma.reconcileWatermark.findMany({ where: { sdkAppId: { in: [BigInt(appA), BigInt(appB)] } } });
    const caughtUp = async () => (await watermarks()).filter((row) => row.reconciledUntil.getTime() / 1000 > nowSec() - 600).length === 2;
    for (let waited = 0; !(await caughtUp()) && waited < 20_000; waited += 100) await sleep(100);
    expect(await caughtUp()).toBe(true);
    expect(await prisma.callSession.count({ where: { sdkAppId: BigInt(appA) } })).toBe(3);
    expect(await prisma.callSession.count({ where: { sdkAppId: BigInt(appB) } })).toBe(2);
  });

  it("is off, and the service still starts, when no API credentials are configured", async () => {
    const service = await startTestService();
    try {
      expect(service.reconciliation).toBeUndefined();
      expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    } finally {
      await service.stop();
    }
  });
});
