import { randomUUID } from "node:crypto";
import { QueueEvents } from "bullmq";
import { createLogger } from "../../src/logging/logger";
import { startService } from "../../src/service";
import { testConfig, TEST_REDIS_URL } from "../support/test-env";
import { startTestService, uniqueSdkAppId } from "../support/test-service";

const ADMIN_TOKEN = "admin-token-for-tests-0123456789";

describe("ROLE=api and ROLE=worker", () => {
  it("split the work: the api serves HTTP and queues jobs, the worker runs them and serves nothing", async () => {
    const prefix = `{tccc-roles-${randomUUID().slice(0, 8)}}`;
    const api = await startTestService({ ROLE: "api", ADMIN_TOKEN, QUEUE_PREFIX: prefix });
    const workerConfig = testConfig({ ROLE: "worker", QUEUE_PREFIX: prefix });
    const worker = await startService(workerConfig, createLogger("silent"));
    const events = new QueueEvents("replay-pushes", { connection: { url: TEST_REDIS_URL }, prefix });
    try {
      expect(worker.url).toBeUndefined();
      expect(api.jobs.workerQueueIds()).toEqual([]);
      const appId = uniqueSdkAppId();
      await api.push("cdr", { SdkAppId: appId }, { pushUuid: `roles-${appId}` });

      const response = await fetch(`${api.url}/admin/pushes/replay`, {
        method: "POST",
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
        body: JSON.stringify({ sdkAppId: String(appId) }),
      });
      const { jobId } = (await response.json()) as { jobId: string };
      const job = await api.jobs.getJob("replay-pushes", jobId);

      await expect(job?.waitUntilFinished(events, 20_000)).resolves.toEqual({ total: 1, replayed: 1, processed: 0, failed: 1 });
      expect((await api.database.prisma.pushInbox.findFirstOrThrow({ where: { pushUuid: `roles-${appId}` } })).replayCount).toBe(1);
    } finally {
      await events.close();
      await worker.stop();
      await api.stop();
    }
  });
});
