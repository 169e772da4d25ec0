import IORedis from "ioredis";
import { waitFor } from "../support/faults/wait-for";
import { nowSec, useReconcileService } from "../support/reconcile-fixture";
import { sampleTelCdr } from "../support/tel-cdr-samples";
import { TEST_REDIS_URL } from "../support/test-env";
import { uniqueSdkAppId } from "../support/test-service";

/** Redis Cluster hashes the part of a key between its first `{` and the next `}`: keys sharing it share a slot. */
const hashTag = (key: string) => /^[^{]*\{([^}]+)\}/.exec(key)?.[1];

describe("keys in Redis, for Redis Cluster", () => {
  const sdkAppId = uniqueSdkAppId();
  const context = useReconcileService({ TCCC_SDK_APP_IDS: String(sdkAppId), RECONCILE_INTERVAL_SEC: "1", RECONCILE_LAG_SEC: "0", RECONCILE_INITIAL_LOOKBACK: "1h" });

  it("all carry the one hash tag of QUEUE_PREFIX: queues, schedulers, the rate limit and the locks", async () => {
    context.fixture.fake.source.add(sdkAppId, sampleTelCdr(`${sdkAppId}-call`, nowSec() - 600));
    const prefix = context.service.jobs.prefix;
    const redis = new IORedis(TEST_REDIS_URL);
    try {
      const keys = await waitFor("the sweep to have read the API and the history job to be scheduled", async () => {
        const found = await redis.keys(`${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`);
        const has = (part: string) => found.some((key) => key.includes(part));
        return has(":reconcile-rate:") && has(":history-maintenance:") && has(":reconcile-sweep:") ? found : undefined;
      }, { timeoutMs: 30_000 });

      expect(prefix).toMatch(/^\{[^{}]+\}$/);
      expect([...new Set(keys.map(hashTag))]).toEqual([prefix.slice(1, -1)]);
    } finally {
      redis.disconnect();
    }
  });
});
