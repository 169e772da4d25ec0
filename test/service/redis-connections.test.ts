import { randomUUID } from "node:crypto";
import IORedis from "ioredis";
import { createLogger } from "../../src/logging/logger";
import { startService } from "../../src/service";
import { TEST_REDIS_URL, testConfig } from "../support/test-env";
import { startTestService } from "../support/test-service";

/**
 * The Redis connections each role opens, as the README's "Redis connections" counts them: every connection is named
 * <QUEUE_PREFIX>:<ROLE>:<use> by the one factory, so CLIENT LIST shows whose it is.
 */
describe("Redis connections per process", () => {
  const redis = new IORedis(TEST_REDIS_URL);
  afterAll(() => redis.quit());

  async function connectionsNamed(prefix: string): Promise<string[]> {
    const list = (await redis.call("CLIENT", "LIST", "TYPE", "normal")) as string;
    return list
      .split("\n")
      .map((line) => /(?:^| )name=(\S*)/.exec(line)?.[1] ?? "")
      .filter((name) => name.startsWith(prefix))
      .map((name) => name.slice(prefix.length))
      .sort();
  }

  // the mirror and its sweep on (the sweep takes no row younger than a day: other files' rows are not its business)
  const everything = { MIRROR_ENABLED: "true", MIRROR_SWEEP_MIN_AGE_MS: "86400000", TCCC_SECRET_ID: "AKIDconnectionCount000000000000", TCCC_SECRET_KEY: "not-used-no-app-is-scheduled" };

  it("ROLE=api: the producer, and reconciliation's command connection for backfills", async () => {
    const prefix = `{tccc-conn-${randomUUID().slice(0, 8)}}`;
    const service = await startTestService({ ...everything, ROLE: "api", QUEUE_PREFIX: prefix });
    try {
      await service.jobs.ping();
      expect(await connectionsNamed(`${prefix}:api:`)).toEqual(["producer", "reconciliation"]);
    } finally {
      await service.stop();
    }
    expect(await connectionsNamed(`${prefix}:`)).toEqual([]);
  });

  it("ROLE=worker (or all): the producer, two per worker (its own and BullMQ's blocking duplicate) and reconciliation's: 18", async () => {
    const prefix = `{tccc-conn-${randomUUID().slice(0, 8)}}`;
    const service = await startService(testConfig({ ...everything, ROLE: "worker", QUEUE_PREFIX: prefix }), createLogger("silent"));
    try {
      const workers = ["replay-pushes", "replay-tel-cdr-records", "history-maintenance", "recording-mirror", "recording-mirror-sweep", "reconcile-tick", "reconcile-sweep", "reconcile-window"];
      // BullMQ names a worker's blocking duplicate after its queue, base64-encoded (that is how it counts workers)
      const blocking = new Map(workers.map((id) => [Buffer.from(id).toString("base64"), `blocking:${id}`]));
      const named = async () => (await connectionsNamed(`${prefix}:`)).map((name) => blocking.get(name) ?? name).sort();
      const expected = ["worker:producer", "worker:reconciliation", ...workers.flatMap((id) => [`worker:worker:${id}`, `blocking:${id}`])].sort();
      // workers connect in the background
      for (let tries = 0; (await named()).length < expected.length && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await named()).toEqual(expected);
    } finally {
      await service.stop();
    }
    expect(await connectionsNamed(`${prefix}:`)).toEqual([]);
  });
});
