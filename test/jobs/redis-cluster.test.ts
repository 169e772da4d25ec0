import { once } from "node:events";
import { Cluster } from "ioredis";
import { createThrowawayRedisCluster, type ThrowawayRedisCluster } from "../support/faults/throwaway-redis-cluster";
import { waitFor } from "../support/faults/wait-for";
import { nowSec, startReconcileFixture, type ReconcileFixture } from "../support/reconcile-fixture";
import { sampleTelCdrs } from "../support/tel-cdr-samples";
import { uniqueSdkAppId, type TestService } from "../support/test-service";

/** Redis Cluster hashes the part of a key between its first `{` and the next `}`: keys sharing it share a slot. */
const hashTag = (key: string) => /^[^{]*\{([^}]+)\}/.exec(key)?.[1];

describe("on a Redis Cluster (REDIS_CLUSTER=true)", () => {
  let cluster: ThrowawayRedisCluster;
  let client: Cluster;
  let fixture: ReconcileFixture;
  let service: TestService;
  const sdkAppId = uniqueSdkAppId();
  const prefix = `{tccc-cluster-test-${process.pid}}`;
  beforeAll(async () => {
    cluster = await createThrowawayRedisCluster();
    client = new Cluster([{ host: "127.0.0.1", port: cluster.ports[0]! }]);
    await once(client, "ready");
    // the service is pointed at a node that does not hold the prefix's slot: only a client that follows the cluster's
    // redirections works from there
    const slot = Number(await client.cluster("KEYSLOT", prefix));
    const owner = (client.slots[slot] ?? [])[0];
    const elsewhere = cluster.ports.find((port) => `127.0.0.1:${port}` !== owner)!;
    fixture = await startReconcileFixture();
    service = await fixture.startService({
      REDIS_URL: `redis://127.0.0.1:${elsewhere}`,
      REDIS_CLUSTER: "true",
      QUEUE_PREFIX: prefix,
      TCCC_SDK_APP_IDS: String(sdkAppId),
      RECONCILE_INTERVAL_SEC: "1",
      RECONCILE_LAG_SEC: "0",
      RECONCILE_INITIAL_LOOKBACK: "1h",
    });
  });
  afterAll(async () => {
    await fixture?.stop();
    client?.disconnect();
    await cluster?.destroy();
  });

  it("runs its queues, schedulers, rate limit and locks, every key in the one slot of QUEUE_PREFIX's hash tag", async () => {
    fixture.fake.source.add(sdkAppId, ...sampleTelCdrs(sdkAppId, 250, nowSec() - 1200));

    await waitFor(
      "the scheduled sweep to store the calls",
      async () => ((await service.database.prisma.callSession.count({ where: { sdkAppId: BigInt(sdkAppId) } })) === 250 ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 250 },
    );

    const keys = (await Promise.all(client.nodes("master").map((node) => node.keys("*")))).flat();
    expect(keys.some((key) => key.includes(":reconcile-sweep:"))).toBe(true);
    expect(keys.some((key) => key.includes(":history-maintenance:"))).toBe(true);
    expect([...new Set(keys.map(hashTag))]).toEqual([prefix.slice(1, -1)]);
    expect(await service.jobs.discoverQueues()).toEqual(expect.arrayContaining(["reconcile-sweep", "reconcile-window", "history-maintenance"]));
  });
});
