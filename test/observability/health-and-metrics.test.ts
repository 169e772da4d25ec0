import { sampleCdr } from "../support/payloads";
import { closedPort } from "../support/ports";
import { startTestService, uniqueSdkAppId, uniqueSessionId, type TestService } from "../support/test-service";

async function readiness(service: TestService): Promise<{ status: number; body: { status: string; checks: Record<string, string> } }> {
  const response = await fetch(`${service.url}/readyz`);
  return { status: response.status, body: (await response.json()) as { status: string; checks: Record<string, string> } };
}

function metricValue(text: string, name: string, labels: string): number {
  const prefix = labels ? `${name}{${labels}} ` : `${name} `;
  const line = text.split("\n").find((candidate) => candidate.startsWith(prefix));
  return line ? Number(line.split(" ").pop()) : 0;
}

describe("health, readiness and metrics", () => {
  it("is alive and ready when PostgreSQL and Redis answer", async () => {
    const service = await startTestService();
    try {
      expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
      expect(await readiness(service)).toEqual({ status: 200, body: { status: "ready", checks: { postgres: "ok", redis: "ok" } } });
    } finally {
      await service.stop();
    }
  });

  it("is not ready when PostgreSQL is unreachable, but stays alive", async () => {
    const service = await startTestService({ DATABASE_URL: `postgresql://postgres@127.0.0.1:${await closedPort()}/tccc`, DATABASE_CONNECT_TIMEOUT_MS: "300" });
    try {
      const { status, body } = await readiness(service);
      expect(status).toBe(503);
      expect(body.checks.redis).toBe("ok");
      expect(body.checks.postgres).not.toBe("ok");
      expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    } finally {
      await service.stop();
    }
  });

  it("is not ready when Redis is unreachable, and still stores pushes", async () => {
    const service = await startTestService({ REDIS_URL: `redis://127.0.0.1:${await closedPort()}` });
    try {
      const { status, body } = await readiness(service);
      expect(status).toBe(503);
      expect(body.checks).toMatchObject({ postgres: "ok" });
      expect(body.checks.redis).not.toBe("ok");

      const appId = uniqueSdkAppId();
      expect((await service.push("cdr", sampleCdr(appId, uniqueSessionId()))).body.ErrCode).toBe(0);
      expect(await service.database.prisma.callSession.count({ where: { sdkAppId: BigInt(appId) } })).toBe(1);
    } finally {
      await service.stop();
    }
  });

  it("counts pushes by action and outcome, and times requests", async () => {
    const service = await startTestService();
    try {
      const sessionId = uniqueSessionId();
      await service.push("cdr", sampleCdr(uniqueSdkAppId(), sessionId), { pushUuid: sessionId });
      await service.push("cdr", sampleCdr(uniqueSdkAppId(), sessionId), { pushUuid: sessionId });
      await service.push("cdr", { SdkAppId: uniqueSdkAppId() });
      await service.push("cdr", "{oops");

      const text = await (await fetch(`${service.url}/metrics`)).text();

      expect(metricValue(text, "tccc_pushes_total", 'action="cdr",outcome="processed"')).toBe(1);
      expect(metricValue(text, "tccc_pushes_total", 'action="cdr",outcome="duplicate"')).toBe(1);
      expect(metricValue(text, "tccc_pushes_total", 'action="cdr",outcome="failed"')).toBe(1);
      expect(metricValue(text, "tccc_pushes_total", 'action="cdr",outcome="rejected"')).toBe(1);
      expect(metricValue(text, "tccc_http_request_duration_seconds_count", 'route="/tccc/push",method="POST",status="200"')).toBe(3);
    } finally {
      await service.stop();
    }
  });
});

describe("metrics read from stored state", () => {
  it("report failed pushes, queue depths and reconciliation gauges", async () => {
    const service = await startTestService();
    try {
      await service.push("record", { SdkAppId: uniqueSdkAppId(), SessionId: uniqueSessionId() });
      const failed = await service.database.prisma.pushInbox.count({ where: { status: "failed" } });

      const text = await (await fetch(`${service.url}/metrics`)).text();

      expect(metricValue(text, "tccc_failed_pushes", "")).toBeGreaterThanOrEqual(1);
      expect(Math.abs(metricValue(text, "tccc_failed_pushes", "") - failed)).toBeLessThanOrEqual(5); // other test files push concurrently
      expect(text).toContain('tccc_queue_jobs{queue="replay-pushes",state="waiting"}');
      expect(text).toContain("# TYPE tccc_reconcile_lag_seconds gauge");
    } finally {
      await service.stop();
    }
  });

  it("count a run that could not read every record as a failed run, and its records as failed DescribeTelCdr records", async () => {
    const service = await startTestService();
    try {
      const appId = uniqueSdkAppId();
      const { prisma } = service.database;
      await prisma.telCdrRecord.create({ data: { sdkAppId: BigInt(appId), recordKey: "s-1", sessionId: "s-1", body: { SessionId: "s-1", RecordURL: 42 }, status: "failed", error: "RecordURL: must be an http(s) URL, not the number 42" } });
      await prisma.reconcileRun.create({
        data: { sdkAppId: BigInt(appId), windowStart: new Date(Date.now() - 7200_000), windowEnd: new Date(Date.now() - 3600_000), status: "failed", fetched: 1, failedRecords: 1, finishedAt: new Date() },
      });
      const failedRecords = await prisma.telCdrRecord.count({ where: { status: "failed" } });

      const text = await (await fetch(`${service.url}/metrics`)).text();

      expect(metricValue(text, "tccc_reconcile_runs_failed", `sdk_app_id="${appId}"`)).toBe(1);
      expect(metricValue(text, "tccc_failed_api_records", "")).toBeGreaterThanOrEqual(1);
      expect(Math.abs(metricValue(text, "tccc_failed_api_records", "") - failedRecords)).toBeLessThanOrEqual(10); // other test files reconcile concurrently
    } finally {
      await service.stop();
    }
  });
});
