import type { Client } from "pg";
import { startFakeTcccApi, type FakeTcccApi } from "../support/fake-tccc-api";
import { startFaultEnvironment, type FaultEnvironment } from "../support/faults/fault-environment";
import { reconcilingServiceEnv, SESSION_COUNT_SQL } from "../support/faults/reconciling-service-env";
import { startServiceProcess } from "../support/faults/service-process";
import { waitFor } from "../support/faults/wait-for";
import { normalizedTables } from "../support/normalized-tables";
import { nowSec, TEST_SECRET_ID, TEST_SECRET_KEY } from "../support/reconcile-fixture";
import { sampleTelCdr } from "../support/tel-cdr-samples";
import { uniqueSdkAppId } from "../support/test-service";

const CALLS = 1500;
/** Slow enough that the 15 pages of the window take seconds, so a kill lands in the middle of the run. */
const RATE = "4";

describe("reconciliation killed half-way and started again", () => {
  let env: FaultEnvironment;
  let fake: FakeTcccApi;
  beforeAll(async () => {
    env = await startFaultEnvironment();
    fake = await startFakeTcccApi({ secretId: TEST_SECRET_ID, secretKey: TEST_SECRET_KEY });
  });
  afterAll(async () => {
    await fake.close();
    await env.destroy();
  });

  /** The same calls under two applications: one reconciled cleanly, one with a SIGKILL in the middle. */
  const listCalls = (sdkAppId: number, firstStart: number) =>
    fake.source.add(sdkAppId, ...Array.from({ length: CALLS }, (_, index) => sampleTelCdr(`call-${index}`, firstStart + index, index)));
  const count = (db: Client, sdkAppId: number) => db.query<{ count: number }>(SESSION_COUNT_SQL, [sdkAppId]).then((result) => result.rows[0]!.count);
  const runs = (db: Client, sdkAppId: number) =>
    db.query<{ status: string; runs: number }>("SELECT status, count(*)::int AS runs FROM reconcile_runs WHERE sdk_app_id = $1 GROUP BY status", [sdkAppId]).then((result) =>
      Object.fromEntries(result.rows.map((row) => [row.status, row.runs])),
    );
  const reconciled = (sdkAppId: number) =>
    env.withDatabase(async (db) => ((await count(db, sdkAppId)) === CALLS && (await runs(db, sdkAppId)).succeeded ? true : undefined));
  const startReconciling = (sdkAppId: number) =>
    startServiceProcess({ env: { ...env.serviceEnv, ...reconcilingServiceEnv(fake, [sdkAppId]), RECONCILE_MAX_RPS: RATE } });

  it("ends in the same state as a run that was never interrupted", async () => {
    const [cleanAppId, killedAppId] = [uniqueSdkAppId(), uniqueSdkAppId()];
    const firstStart = nowSec() - 3000;
    listCalls(cleanAppId, firstStart);
    listCalls(killedAppId, firstStart);

    const clean = await startReconciling(cleanAppId);
    await waitFor("the clean reconciliation", () => reconciled(cleanAppId), { timeoutMs: 120_000 });
    expect(await clean.signal("SIGTERM")).toEqual({ code: 0, signal: null });

    const killed = await startReconciling(killedAppId);
    const storedAtKill = await waitFor("a part of the window to be stored", () =>
      env.withDatabase(async (db) => {
        const stored = await count(db, killedAppId);
        return stored >= CALLS / 5 ? stored : undefined;
      }),
    );
    await killed.signal("SIGKILL");
    const restarted = await startReconciling(killedAppId);
    const restartedAt = performance.now();
    // the killed job is taken up again once BullMQ sees it stalled (its lock expires): up to a minute
    await waitFor("the reconciliation to finish after the restart", () => reconciled(killedAppId), { timeoutMs: 180_000 });
    const finishedAfterSec = (performance.now() - restartedAt) / 1000;
    await restarted.signal("SIGTERM");

    const [cleanTables, killedTables, killedRuns] = await env.withDatabase(async (db) => {
      const query = (sql: string, params: unknown[]) => db.query<{ row: string }>(sql, params).then((result) => result.rows);
      return [await normalizedTables(query, cleanAppId), await normalizedTables(query, killedAppId), await runs(db, killedAppId)] as const;
    });
    console.log(
      `reconciliation of ${CALLS} calls killed with ${storedAtKill} stored; finished ${finishedAfterSec.toFixed(1)} s after the restart; ` +
        `runs of the killed application: ${JSON.stringify(killedRuns)}`,
    );
    expect(storedAtKill).toBeLessThan(CALLS);
    expect(killedTables.callSessions).toHaveLength(CALLS);
    expect(killedTables).toEqual(cleanTables);
  });
});
