import { request } from "node:http";
import { Client } from "pg";
import { callPushes } from "../support/faults/call-pushes";
import { streamPushes } from "../support/faults/push-load";
import { startServiceProcess, type ServiceProcess } from "../support/faults/service-process";
import { checkStored } from "../support/faults/stored-pushes";
import { waitFor } from "../support/faults/wait-for";
import { sampleCdr } from "../support/payloads";
import { TEST_DATABASE_URL, TEST_REDIS_URL } from "../support/test-env";
import { uniqueSdkAppId, uniqueSessionId } from "../support/test-service";

const PROCESSES = 3;

/**
 * Calls' CDRs only: the record pushes would leave tracks pending (the mirror is off here) in the shared test database,
 * where the mirror tests' sweep, global by design, would meet them.
 */
function* cdrPushes(sdkAppId: number) {
  for (const push of callPushes(sdkAppId)) if (push.action === "cdr") yield push;
}

/** WEB_CONCURRENCY: several HTTP processes on one port, writing to one database at once. */
describe(`WEB_CONCURRENCY=${PROCESSES}`, () => {
  const clusterEnv = () => ({
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: `{tccc-test-cluster-${process.pid}-${Math.random().toString(36).slice(2, 8)}}`,
    MIGRATE_ON_START: "false",
    WEB_CONCURRENCY: String(PROCESSES),
    // every answer is logged with the process that gave it
    LOG_LEVEL: "debug",
  });
  let db: Client;
  beforeAll(async () => {
    db = new Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
  });
  afterAll(() => db.end());

  /** One push on a connection of its own, so that the primary hands it to the next process in turn. */
  function pushOnNewConnection(baseUrl: string, pushUuid: string, body: string): Promise<{ status: number; errCode: number }> {
    return new Promise((resolve, reject) => {
      const req = request(new URL("/tccc/push?action=cdr", baseUrl), {
        method: "POST",
        agent: false,
        headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body), "X-TCCC-PUSH-UUID": pushUuid },
      });
      req.once("error", reject);
      req.once("response", (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
        res.once("end", () => resolve({ status: res.statusCode ?? 0, errCode: (JSON.parse(text) as { ErrCode: number }).ErrCode }));
      });
      req.end(body);
    });
  }

  /** /healthz answers as soon as one process listens; the primary says when all of them do. */
  async function startCluster(): Promise<ServiceProcess> {
    const service = await startServiceProcess({ env: clusterEnv() });
    await waitFor("every HTTP process to listen", async () => (service.output().includes('"msg":"HTTP processes started"') ? true : undefined), { timeoutMs: 60_000, intervalMs: 100 });
    return service;
  }

  /** The HTTP process (cluster worker id) that answered each push, from the service's request lines. */
  function answeringProcesses(service: ServiceProcess, pushUuid: string): Set<number> {
    const lines = service
      .output()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { msg?: string; pushUuid?: string; worker?: number });
    return new Set(lines.filter((line) => line.msg === "request completed" && line.pushUuid === pushUuid).map((line) => line.worker as number));
  }

  describe("a running cluster", () => {
    let service: ServiceProcess;
    beforeAll(async () => {
      service = await startCluster();
    }, 120_000);
    afterAll(() => service.signal("SIGTERM"));

    it("stores a push once when the same X-TCCC-PUSH-UUID reaches every process at the same moment, and answers every copy ErrCode 0", async () => {
      const appId = uniqueSdkAppId();
      const sessionId = uniqueSessionId();
      const pushUuid = `cluster-dup-${sessionId}`;
      const body = JSON.stringify(sampleCdr(appId, sessionId));
      const copies = PROCESSES * 8;

      const answers = await Promise.all(Array.from({ length: copies }, () => pushOnNewConnection(service.url, pushUuid, body)));

      expect(answers).toEqual(Array(copies).fill({ status: 200, errCode: 0 }));
      // the primary hands a connection only to a process that has taken its last one, so on 2 busy cores one of the
      // three may get none: two processes answering copies at once is what puts dedupe across processes to the test
      expect(answeringProcesses(service, pushUuid).size).toBeGreaterThanOrEqual(2);
      const { rows: inbox } = await db.query<{ duplicate_count: number }>("SELECT duplicate_count FROM push_inbox WHERE push_uuid = $1", [pushUuid]);
      expect(inbox).toEqual([{ duplicate_count: copies - 1 }]);
      const { rows: tables } = await db.query<{ sessions: number; participants: number }>(
        `SELECT (SELECT count(*)::int FROM call_sessions WHERE sdk_app_id = $1) AS sessions,
                (SELECT count(*)::int FROM call_participants WHERE sdk_app_id = $1) AS participants`,
        [appId],
      );
      expect(tables).toEqual([{ sessions: 1, participants: 1 }]);
    });
  });

  it("on SIGTERM under load, every process finishes what it accepted: every acknowledged push is stored, and the primary exits 0", async () => {
    const service = await startCluster();
    const sdkAppId = uniqueSdkAppId();
    const stream = streamPushes(() => service.url, cdrPushes(sdkAppId), 16);
    await stream.untilAcknowledged(150);

    const exit = await service.signal("SIGTERM");
    const outcomes = await stream.stop();

    expect(exit).toEqual({ code: 0, signal: null });
    const acknowledged = outcomes.filter((outcome) => outcome.acknowledged);
    expect(acknowledged.length).toBeGreaterThanOrEqual(150);
    expect(await checkStored(db, acknowledged)).toEqual({ missingInInbox: [], notNormalized: [] });
  }, 180_000);
});
