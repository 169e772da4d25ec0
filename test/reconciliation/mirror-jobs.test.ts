import { createLogger } from "../../src/logging/logger";
import { createReconciliationService } from "../../src/reconciliation/reconciliation-service";
import { telCdrApiFromConfig } from "../../src/reconciliation/tel-cdr-api";
import { createRedisConnections } from "../../src/redis/redis-connections";
import { nowSec, TEST_SECRET_ID, TEST_SECRET_KEY, useReconcileService } from "../support/reconcile-fixture";
import { rowsListed, sampleTelCdrs } from "../support/tel-cdr-samples";
import { testConfig } from "../support/test-env";
import { uniqueSdkAppId } from "../support/test-service";

describe("recordings found by reconciliation", () => {
  const context = useReconcileService();

  it("are handed to the mirror once: new tracks only", async () => {
    const appId = uniqueSdkAppId();
    const start = nowSec() - 2 * 3600;
    const listed = sampleTelCdrs(appId, 3, start);
    context.fixture.fake.source.add(appId, ...listed);
    const queued: bigint[][] = [];
    const config = testConfig({ TCCC_SECRET_ID: TEST_SECRET_ID, TCCC_SECRET_KEY: TEST_SECRET_KEY, TCCC_API_ENDPOINT: context.fixture.fake.url });
    const redis = createRedisConnections({ url: config.REDIS_URL, logger: createLogger("silent"), name: "mirror-jobs-test" });
    const reconciliation = createReconciliationService({
      config,
      prisma: context.service.database.prisma,
      jobs: context.service.jobs,
      logger: createLogger("silent"),
      onRecordingsStored: async (ids) => {
        queued.push(ids);
      },
      api: telCdrApiFromConfig(config)!,
      redis: redis.open("commands"),
    });
    try {
      await reconciliation.reconcileWindow(appId, { start: start - 60, end: start + 60 });

      const recordings = await context.service.database.prisma.recording.findMany({ where: { sdkAppId: BigInt(appId) }, select: { id: true } });
      expect(recordings).toHaveLength(rowsListed(listed).recordings);
      expect(queued.flat().sort()).toEqual(recordings.map((row) => row.id).sort());
    } finally {
      await reconciliation.stop();
      await redis.closeAll();
    }
  });
});
