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

  it("counts every push by action, outcome and the ErrCode answered, refusals of credentials and of the body limit included", async () => {
    const password = "push-password-for-metrics";
    const service = await startTestService({ PUSH_AUTH: "basic", PUSH_BASIC_USER: "tccc", PUSH_BASIC_PASSWORD: password, PUSH_BODY_LIMIT_BYTES: "4096" });
    const unreachable = await startTestService({ DATABASE_URL: `postgresql://postgres@127.0.0.1:${await closedPort()}/tccc`, DATABASE_CONNECT_TIMEOUT_MS: "300" });
    const basic = (user: string, secret: string) => ({ headers: { Authorization: `Basic ${Buffer.from(`${user}:${secret}`).toString("base64")}` } });
    const signedIn = basic("tccc", password);
    try {
      const sessionId = uniqueSessionId();
      const answers = [
        await service.push("cdr", sampleCdr(uniqueSdkAppId(), sessionId), { ...signedIn, pushUuid: sessionId }),
        await service.push("cdr", sampleCdr(uniqueSdkAppId(), sessionId), { ...signedIn, pushUuid: sessionId }),
        await service.push("cdr", { SdkAppId: uniqueSdkAppId() }, signedIn),
        await service.push("cdr", "{oops", signedIn),
        await service.push("hangup", sampleCdr(uniqueSdkAppId(), uniqueSessionId()), signedIn),
        await service.push("record", { SdkAppId: uniqueSdkAppId(), Padding: "x".repeat(5000) }, signedIn),
        await service.push("record", sampleCdr(uniqueSdkAppId(), uniqueSessionId()), { ...signedIn, pushUuid: "u".repeat(201) }),
        await service.push("voicemail", '{"SdkAppId":1,"SessionId":"s\\u0000"}', signedIn),
        await service.push("voicemail", sampleCdr(uniqueSdkAppId(), uniqueSessionId())),
        await service.push("voicemail", sampleCdr(uniqueSdkAppId(), uniqueSessionId()), basic("tccc", "wrong-password")),
        await unreachable.push("cdr", sampleCdr(uniqueSdkAppId(), uniqueSessionId())),
      ];
      expect(answers.map((answer) => `${answer.status} ${answer.body.ErrCode}`)).toEqual([
        "200 0", "200 0", "200 0", "400 1001", "400 1002", "413 1003", "400 1004", "400 1005", "401 1401", "401 1401", "503 1503",
      ]);

      const text = await (await fetch(`${service.url}/metrics`)).text();
      const pushes = (labels: string) => metricValue(text, "tccc_pushes_total", labels);
      expect(pushes('action="cdr",outcome="processed",err_code="0"')).toBe(1);
      expect(pushes('action="cdr",outcome="duplicate",err_code="0"')).toBe(1);
      expect(pushes('action="cdr",outcome="failed",err_code="0"')).toBe(1);
      expect(pushes('action="cdr",outcome="rejected",err_code="1001"')).toBe(1);
      expect(pushes('action="unknown",outcome="rejected",err_code="1002"')).toBe(1);
      expect(pushes('action="record",outcome="rejected",err_code="1003"')).toBe(1);
      expect(pushes('action="record",outcome="rejected",err_code="1004"')).toBe(1);
      expect(pushes('action="voicemail",outcome="rejected",err_code="1005"')).toBe(1);
      expect(pushes('action="voicemail",outcome="rejected",err_code="1401"')).toBe(2);
      // read from the registry: with PostgreSQL down a scrape fails on the gauges of stored state
      const whileDown = await unreachable.metrics.registry.getSingleMetricAsString("tccc_pushes_total");
      expect(metricValue(whileDown, "tccc_pushes_total", 'action="cdr",outcome="error",err_code="1503"')).toBe(1);
      const counted = text.split("\n").filter((line) => line.startsWith("tccc_pushes_total{"));
      expect(counted.reduce((sum, line) => sum + Number(line.split(" ").pop()), 0)).toBe(10);
      expect(metricValue(text, "tccc_http_request_duration_seconds_count", 'route="/tccc/push",method="POST",status="200"')).toBe(3);
    } finally {
      await Promise.all([service.stop(), unreachable.stop()]);
    }
  });
});

describe("metrics read from stored state", () => {
  it("report failed pushes, queue depths and reconciliation gauges", async () => {
    const service = await startTestService({ METRICS_STATE_INTERVAL_SEC: "1" });
    try {
      await service.push("record", { SdkAppId: uniqueSdkAppId(), SessionId: uniqueSessionId() });
      const countFailed = () => service.database.prisma.pushInbox.count({ where: { status: "failed" } });

      // other test files store and replay failed pushes meanwhile: a scrape is compared with the rows when the count
      // held still around it (a new reading at most once a second, METRICS_STATE_INTERVAL_SEC=1)
      let reading: { before: number; metric: number; after: number; text: string } | undefined;
      for (let attempt = 0; attempt < 10; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 1_100));
        const before = await countFailed();
        const text = await (await fetch(`${service.url}/metrics`)).text();
        reading = { before, metric: metricValue(text, "tccc_failed_pushes", ""), after: await countFailed(), text };
        if (reading.before === reading.after && reading.metric === reading.before) break;
      }

      expect(reading?.metric).toBeGreaterThanOrEqual(1);
      expect(reading?.metric).toBe(reading?.before);
      const text = reading?.text ?? "";
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
