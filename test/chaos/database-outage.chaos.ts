import { callPushes } from "../support/faults/call-pushes";
import { startFaultEnvironment, type FaultEnvironment } from "../support/faults/fault-environment";
import { countFailures, retryLikeTccc, sendPush, streamPushes, type PushSpec } from "../support/faults/push-load";
import { startServiceProcess, type ServiceProcess } from "../support/faults/service-process";
import { checkStored } from "../support/faults/stored-pushes";
import { waitFor } from "../support/faults/wait-for";
import { uniqueSdkAppId } from "../support/test-service";

const OUTAGE_MS = 5_000;

describe("PostgreSQL crashes while pushes stream in", () => {
  let env: FaultEnvironment;
  let service: ServiceProcess;
  beforeAll(async () => {
    env = await startFaultEnvironment();
    service = await startServiceProcess({ env: env.serviceEnv, waitFor: "/readyz" });
  });
  afterAll(async () => {
    await service.signal("SIGKILL");
    await env.destroy();
  });

  const status = (path: string) => fetch(`${service.url}${path}`).then((response) => response.status);

  it("answers a non-zero ErrCode while it is down, stays up, and serves again once it is back with no manual step", async () => {
    const sdkAppId = uniqueSdkAppId();
    const burstPushes = callPushes(sdkAppId);
    const stream = streamPushes(() => service.url, callPushes(sdkAppId), 8);
    await stream.untilAcknowledged(200);

    await env.postgres.crash();
    const crashedAt = stream.outcomes.length;
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    const [healthDuring, readyDuring] = [await status("/healthz"), await status("/readyz")];
    await env.postgres.start();
    const restartedAt = performance.now();
    await waitFor("/readyz to answer 200", async () => ((await status("/readyz")) === 200 ? true : undefined));
    const readyAfterMs = performance.now() - restartedAt;
    // connections the crash broke are gone from the pool: a burst right away meets no refusal
    const burst = await Promise.all(Array.from({ length: 60 }, () => sendPush(service.url, burstPushes.next().value as PushSpec)));
    const acknowledgedBefore = stream.acknowledged().length;
    await stream.untilAcknowledged(acknowledgedBefore + 200);
    const streamed = await stream.stop();

    const refused = streamed.filter((outcome) => !outcome.acknowledged);
    const retried = await retryLikeTccc(service.url, refused.map((outcome) => outcome.push));
    const acknowledged = [...streamed, ...retried, ...burst].filter((outcome) => outcome.acknowledged);
    const { missingInInbox, notNormalized } = await env.withDatabase((db) => checkStored(db, acknowledged));
    console.log(
      `PostgreSQL crash for ${OUTAGE_MS / 1000} s: ${streamed.length} pushes sent, ${streamed.length - refused.length} acknowledged, ` +
        `${refused.length} refused (${countFailures(streamed)}); ready again ${Math.round(readyAfterMs)} ms after PostgreSQL started; ` +
        `refused pushes sent again: ${retried.filter((outcome) => outcome.acknowledged).length} acknowledged; lost acknowledgements: ${missingInInbox.length + notNormalized.length}`,
    );

    // TCCC retries what is refused: every refusal is a JSON answer with a non-zero ErrCode, never a dropped connection
    expect(streamed.slice(crashedAt).some((outcome) => !outcome.acknowledged)).toBe(true);
    expect(refused.map(({ status, errCode, error }) => ({ status, errCode, error }))).toEqual(
      refused.map(() => ({ status: 503, errCode: 1503, error: undefined })),
    );
    expect(service.alive()).toBe(true);
    expect({ healthDuring, readyDuring }).toEqual({ healthDuring: 200, readyDuring: 503 });
    expect([...missingInInbox, ...notNormalized]).toEqual([]);
    expect(retried.every((outcome) => outcome.acknowledged)).toBe(true);
    expect(countFailures(burst)).toBe("none");
  });
});
