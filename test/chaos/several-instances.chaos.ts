import type { Client } from "pg";
import { audio, file, startRecordingHost, type RecordingHost } from "../recording-mirror/support/recording-host";
import { filesUnder } from "../recording-mirror/support/mirror-service";
import { startFakeTcccApi, type FakeTcccApi } from "../support/fake-tccc-api";
import { callPushes } from "../support/faults/call-pushes";
import { startFaultEnvironment, type FaultEnvironment } from "../support/faults/fault-environment";
import { MIRRORED_TRACKS_SQL, mirroringServiceEnv } from "../support/faults/mirroring-service-env";
import { sendPush, type PushSpec } from "../support/faults/push-load";
import { reconcilingServiceEnv, SESSION_COUNT_SQL } from "../support/faults/reconciling-service-env";
import { startServiceProcess, type ServiceProcess } from "../support/faults/service-process";
import { waitFor } from "../support/faults/wait-for";
import { nowSec, TEST_SECRET_ID, TEST_SECRET_KEY } from "../support/reconcile-fixture";
import { sampleTelCdr } from "../support/tel-cdr-samples";
import { uniqueSdkAppId } from "../support/test-service";

const ADMIN_TOKEN = "admin-token-for-scale-tests-0123";
const PUSHED_CALLS = 40;
const COPIES = 3;
/** 60 pages in 12 windows, read by both workers at once: the shared limit must hold them to 20 a second. */
const LISTED_CALLS = 6000;
const WINDOW_SEC = 300;
const WINDOWS = 12;
const MAX_RPS = 20;

/**
 * npm run test:scale (and test:chaos): the deployment of several hosts. Two ROLE=api and two ROLE=worker processes,
 * started from their production entry points, share one PostgreSQL and one Redis.
 */
describe("two API and two worker instances on one PostgreSQL and one Redis", () => {
  let env: FaultEnvironment;
  let fake: FakeTcccApi;
  let host: RecordingHost;
  let storageDir: string;
  const apis: ServiceProcess[] = [];
  const workers: ServiceProcess[] = [];
  beforeAll(async () => {
    env = await startFaultEnvironment();
    fake = await startFakeTcccApi({ secretId: TEST_SECRET_ID, secretKey: TEST_SECRET_KEY });
    host = await startRecordingHost();
    const mirroring = mirroringServiceEnv(host);
    storageDir = mirroring.storageDir;
    const shared = {
      ...env.serviceEnv,
      ...reconcilingServiceEnv(fake, []),
      ...mirroring.env,
      ADMIN_TOKEN,
      RECONCILE_MAX_RPS: String(MAX_RPS),
      RECONCILE_MAX_WINDOW_SEC: String(WINDOW_SEC),
      MIRROR_CONCURRENCY: "2",
    };
    // the first migrates the fresh database; the others start together, as a rolling deployment's would
    apis.push(await startServiceProcess({ env: { ...shared, ROLE: "api" } }));
    const others = await Promise.all([
      startServiceProcess({ env: { ...shared, ROLE: "api" } }),
      startServiceProcess({ env: shared, role: "worker" }),
      startServiceProcess({ env: shared, role: "worker" }),
    ]);
    apis.push(others[0]!);
    workers.push(others[1]!, others[2]!);
  });
  afterAll(async () => {
    await Promise.all([...apis, ...workers].map((service) => service.signal("SIGKILL")));
    await host.close();
    await fake.close();
    await env.destroy();
  });

  const query = <Row extends object>(sql: string, params: unknown[]) => env.withDatabase((db: Client) => db.query<Row>(sql, params).then((result) => result.rows));
  const one = async (sql: string, params: unknown[]) => Number(Object.values((await query<Record<string, unknown>>(sql, params))[0]!)[0]);

  it("stores every push once when its copies reach both APIs at the same time, and mirrors every track exactly once", async () => {
    const sdkAppId = uniqueSdkAppId();
    const recordUrl = (sessionId: string, recordId: string) => {
      host.serve(`/${sessionId}/${recordId}.mp3`, file(audio(64 * 1024).bytes, "audio/mpeg"));
      return host.url(`/${sessionId}/${recordId}.mp3`);
    };
    const pushes: PushSpec[] = [...callPushes(sdkAppId, { calls: PUSHED_CALLS, recordUrl })];

    // every copy at once, alternating between the two APIs
    const outcomes = await Promise.all(pushes.flatMap((push) => Array.from({ length: COPIES }, (_, copy) => sendPush(apis[copy % 2]!.url, push))));

    expect(outcomes.filter((outcome) => !outcome.acknowledged)).toEqual([]);
    expect(await one("SELECT count(*) FROM push_inbox WHERE sdk_app_id = $1", [sdkAppId])).toBe(pushes.length);
    expect(await one("SELECT sum(duplicate_count) FROM push_inbox WHERE sdk_app_id = $1", [sdkAppId])).toBe(pushes.length * (COPIES - 1));
    expect(await one("SELECT count(*) FROM push_keys WHERE push_uuid = ANY($1)", [pushes.map((push) => push.pushUuid)])).toBe(pushes.length);
    expect(await one(SESSION_COUNT_SQL, [sdkAppId])).toBe(PUSHED_CALLS);
    expect(await one("SELECT count(*) FROM recordings WHERE sdk_app_id = $1", [sdkAppId])).toBe(PUSHED_CALLS * 2);

    await waitFor(
      "every track to be mirrored",
      async () => ((await query(MIRRORED_TRACKS_SQL, [sdkAppId])).length === PUSHED_CALLS * 2 ? true : undefined),
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    const sources = pushes.filter((push) => push.action === "record").map((push) => new URL(JSON.parse(push.body).RecordURL as string).pathname);
    expect(sources.map((source) => host.requestsFor(source))).toEqual(sources.map(() => 1));
    const objects = (await filesUnder(storageDir)).filter((key) => !key.startsWith(".incoming/") && key.startsWith(`${sdkAppId}/`));
    expect(objects).toHaveLength(PUSHED_CALLS * 2);
  });

  it("reconciles one application from both workers within 20 requests a second in all, storing each call once, though a worker is killed mid-job", async () => {
    const sdkAppId = uniqueSdkAppId();
    const from = Math.floor(nowSec() / WINDOW_SEC) * WINDOW_SEC - WINDOWS * WINDOW_SEC;
    const span = WINDOWS * WINDOW_SEC - 2;
    fake.source.add(sdkAppId, ...Array.from({ length: LISTED_CALLS }, (_, index) => sampleTelCdr(`${sdkAppId}-call-${index}`, from + 1 + Math.floor((index * span) / LISTED_CALLS), index)));

    const asked = await fetch(`${apis[0]!.url}/admin/reconcile`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ sdkAppId, from, to: from + WINDOWS * WINDOW_SEC }),
    });
    expect(asked.status).toBe(202);
    // both workers hold windows of it: killing either one kills a job under way
    const storedAtKill = await waitFor("a fifth of the calls to be stored", async () => {
      const stored = await one(SESSION_COUNT_SQL, [sdkAppId]);
      return stored >= LISTED_CALLS / 5 ? stored : undefined;
    });
    await workers[0]!.signal("SIGKILL");
    const killedAt = performance.now();

    // a killed job goes to the other worker once BullMQ sees it stalled (its lock expires): up to a minute
    await waitFor(
      "every window to be reconciled",
      async () => ((await one("SELECT count(DISTINCT window_start) FROM reconcile_runs WHERE sdk_app_id = $1 AND status = 'succeeded'", [sdkAppId])) === WINDOWS ? true : undefined),
      { timeoutMs: 150_000, intervalMs: 500 },
    );
    const finishedAfterSec = (performance.now() - killedAt) / 1000;

    const requests = fake.requests.filter((entry) => entry.sdkAppId === sdkAppId).length;
    // the runs of the killed worker's jobs stay "running" (README, "What is not guaranteed"): it was mid-job
    const killedRuns = await one("SELECT count(*) FROM reconcile_runs WHERE sdk_app_id = $1 AND status = 'running'", [sdkAppId]);
    console.log(
      `reconciled ${LISTED_CALLS} calls in ${requests} requests from 2 workers (peak ${fake.peakRequests(sdkAppId)} in any second); ` +
        `worker killed with ${storedAtKill} stored, in ${killedRuns} windows; finished ${finishedAfterSec.toFixed(1)} s later`,
    );
    expect(killedRuns).toBeGreaterThanOrEqual(1);
    expect(fake.peakRequests(sdkAppId)).toBeLessThanOrEqual(MAX_RPS);
    expect(await one(SESSION_COUNT_SQL, [sdkAppId])).toBe(LISTED_CALLS);
    expect(await one("SELECT count(*) FROM tel_cdr_records WHERE sdk_app_id = $1", [sdkAppId])).toBe(LISTED_CALLS);
    // each call was new to exactly one page's transaction, whichever worker and run it was in
    expect(await one("SELECT sum(created) FROM reconcile_runs WHERE sdk_app_id = $1", [sdkAppId])).toBe(LISTED_CALLS);
  });
});
