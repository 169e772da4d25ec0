import { rm } from "node:fs/promises";
import { audio, file, startRecordingHost, type RecordingHost } from "../recording-mirror/support/recording-host";
import { startFakeTcccApi, type FakeTcccApi } from "../support/fake-tccc-api";
import { callPushes } from "../support/faults/call-pushes";
import { startFaultEnvironment, type FaultEnvironment } from "../support/faults/fault-environment";
import { countFailures, streamPushes } from "../support/faults/push-load";
import { MIRRORED_TRACKS_SQL, mirroringServiceEnv } from "../support/faults/mirroring-service-env";
import { reconcilingServiceEnv, SESSION_COUNT_SQL } from "../support/faults/reconciling-service-env";
import { startServiceProcess, type ServiceProcess } from "../support/faults/service-process";
import { checkStored } from "../support/faults/stored-pushes";
import { waitFor } from "../support/faults/wait-for";
import { nowSec, TEST_SECRET_ID, TEST_SECRET_KEY } from "../support/reconcile-fixture";
import { sampleTelCdrs } from "../support/tel-cdr-samples";
import { uniqueSdkAppId } from "../support/test-service";

const PUSHED_CALLS = 100;
const CALLS_LISTED_DURING_OUTAGE = 20;
const OUTAGE_MS = 5_000;

describe("Redis lost during intake (killed, and back empty)", () => {
  let env: FaultEnvironment;
  let fake: FakeTcccApi;
  let service: ServiceProcess;
  let host: RecordingHost;
  let mirroring: ReturnType<typeof mirroringServiceEnv>;
  const reconciledAppId = uniqueSdkAppId();
  const sessionCount = (sdkAppId: number) =>
    env.withDatabase(async (db) => (await db.query<{ count: number }>(SESSION_COUNT_SQL, [sdkAppId])).rows[0]!.count);

  beforeAll(async () => {
    env = await startFaultEnvironment();
    fake = await startFakeTcccApi({ secretId: TEST_SECRET_ID, secretKey: TEST_SECRET_KEY });
    host = await startRecordingHost();
    mirroring = mirroringServiceEnv(host);
    service = await startServiceProcess({ env: { ...env.serviceEnv, ...reconcilingServiceEnv(fake, [reconciledAppId]), ...mirroring.env }, waitFor: "/readyz" });
  });
  afterAll(async () => {
    await service.signal("SIGKILL");
    await Promise.all([fake.close(), host.close(), rm(mirroring.storageDir, { recursive: true, force: true })]);
    await env.destroy();
  });

  /** Every track gets its own small recording on the local host; what each should hash to is kept. */
  const expectedTracks = new Map<string, { size_bytes: number; sha256: string }>();
  const recordUrl = (sessionId: string, recordId: string) => {
    const { bytes, sha256 } = audio(20_000 + expectedTracks.size);
    host.serve(`/${sessionId}/${recordId}.mp3`, file(bytes, "audio/mpeg"));
    expectedTracks.set(recordId, { size_bytes: bytes.length, sha256 });
    return host.url(`/${sessionId}/${recordId}.mp3`);
  };

  it("still acknowledges and stores every push, and reconciliation and the mirror resume when Redis returns, skipping nothing", async () => {
    // reconciliation works before the fault: a call only the API knows arrives within a sweep
    fake.source.add(reconciledAppId, ...sampleTelCdrs(reconciledAppId, 1, nowSec() - 600));
    await waitFor("the first reconciled call", async () => ((await sessionCount(reconciledAppId)) === 1 ? true : undefined));

    await env.redis.kill();
    const pushedAppId = uniqueSdkAppId();
    const outcomes = await streamPushes(() => service.url, callPushes(pushedAppId, { calls: PUSHED_CALLS, recordUrl }), 8).finished();
    const { missingInInbox, notNormalized } = await env.withDatabase((db) => checkStored(db, outcomes));
    // calls TCCC lists while Redis is away, due in the sweeps that cannot run meanwhile
    fake.source.add(reconciledAppId, ...sampleTelCdrs(reconciledAppId, CALLS_LISTED_DURING_OUTAGE, nowSec() - 300).map((call, index) => ({ ...call, SessionId: `during-outage-${index}` })));
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));

    await env.redis.start();
    const restartedAt = performance.now();
    await waitFor("the calls listed during the outage to be reconciled", async () =>
      (await sessionCount(reconciledAppId)) === 1 + CALLS_LISTED_DURING_OUTAGE ? true : undefined, { timeoutMs: 120_000 });
    const mirrored = await waitFor(
      "every track pushed during the outage to be mirrored",
      () => env.withDatabase(async (db) => {
        const { rows } = await db.query<{ record_id: string; size_bytes: number; sha256: string }>(MIRRORED_TRACKS_SQL, [pushedAppId]);
        return rows.length === expectedTracks.size ? rows : undefined;
      }),
      { timeoutMs: 120_000 },
    );
    const mirroredAfterSec = (performance.now() - restartedAt) / 1000;
    console.log(
      `Redis killed for ${OUTAGE_MS / 1000} s and back empty: ${outcomes.length} pushes sent, ${outcomes.filter((outcome) => outcome.acknowledged).length} acknowledged ` +
        `(${countFailures(outcomes)} refused), lost acknowledgements: ${missingInInbox.length + notNormalized.length}; ` +
        `${CALLS_LISTED_DURING_OUTAGE} calls listed during the outage reconciled ${((performance.now() - restartedAt) / 1000).toFixed(1)} s after Redis returned; ` +
        `${expectedTracks.size} tracks pushed during the outage mirrored ${mirroredAfterSec.toFixed(1)} s after it returned`,
    );

    expect(countFailures(outcomes)).toBe("none");
    expect([...missingInInbox, ...notNormalized]).toEqual([]);
    expect(service.alive()).toBe(true);
    expect(mirrored).toEqual([...expectedTracks].map(([record_id, content]) => ({ record_id, ...content })).sort((a, b) => a.record_id.localeCompare(b.record_id)));
  });
});
