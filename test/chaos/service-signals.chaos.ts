import { request } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { callPushes } from "../support/faults/call-pushes";
import { startFaultEnvironment, type FaultEnvironment } from "../support/faults/fault-environment";
import { countFailures, retryLikeTccc, sendPush, streamPushes, type PushSpec } from "../support/faults/push-load";
import { startServiceProcess, type ServiceProcess } from "../support/faults/service-process";
import { checkStored } from "../support/faults/stored-pushes";
import { uniqueSdkAppId } from "../support/test-service";

const KILLS = 3;
const ACKNOWLEDGED_BETWEEN_KILLS = 300;
describe("the service process under signals", () => {
  let env: FaultEnvironment;
  beforeAll(async () => {
    env = await startFaultEnvironment();
  });
  afterAll(() => env.destroy());

  it(`loses no acknowledged push when killed with SIGKILL ${KILLS} times while pushes stream in`, async () => {
    const sdkAppId = uniqueSdkAppId();
    let service = await startServiceProcess({ env: env.serviceEnv });
    const port = Number(new URL(service.url).port);
    const stream = streamPushes(() => service.url, callPushes(sdkAppId), 16);

    for (let kill = 1; kill <= KILLS; kill++) {
      await stream.untilAcknowledged(kill * ACKNOWLEDGED_BETWEEN_KILLS);
      const exit = await service.signal("SIGKILL");
      expect(exit.signal).toBe("SIGKILL");
      // TCCC keeps pushing to the same URL while the service is down
      service = await startServiceProcess({ env: env.serviceEnv, port });
    }
    await stream.untilAcknowledged((KILLS + 1) * ACKNOWLEDGED_BETWEEN_KILLS);
    const streamed = await stream.stop();
    const notAcknowledged = streamed.filter((outcome) => !outcome.acknowledged).map((outcome) => outcome.push);
    // pushes committed whose answer was lost with the process: TCCC's retry must find them as duplicates
    const committedUnanswered = await env.withDatabase((db) => checkStored(db, notAcknowledged.map((push) => ({ push, acknowledged: false }))));
    const retried = await retryLikeTccc(service.url, notAcknowledged);

    const acknowledged = [...streamed, ...retried].filter((outcome) => outcome.acknowledged);
    const { missingInInbox, notNormalized } = await env.withDatabase((db) => checkStored(db, acknowledged));
    const distinct = await env.withDatabase(async (db) => {
      const { rows } = await db.query<{ pushes: string; sessions: string }>(
        `SELECT (SELECT count(*) FROM push_inbox WHERE sdk_app_id = $1) AS pushes,
                (SELECT count(*) FROM call_sessions WHERE sdk_app_id = $1) AS sessions`,
        [sdkAppId],
      );
      return rows[0]!;
    });
    await service.signal("SIGTERM");

    console.log(
      `SIGKILL x${KILLS}: ${streamed.length} pushes sent, ${streamed.length - notAcknowledged.length} acknowledged, ` +
        `${notAcknowledged.length} not (${countFailures(streamed)}), ` +
        `of which ${notAcknowledged.length - committedUnanswered.missingInInbox.length} committed before the kill; ` +
        `sent again: ${retried.filter((outcome) => outcome.acknowledged).length} acknowledged; ` +
        `lost acknowledgements: ${missingInInbox.length + notNormalized.length}`,
    );
    expect(missingInInbox).toEqual([]);
    expect(notNormalized).toEqual([]);
    // every push sent was acknowledged in the end, and each is stored once however often it was sent
    expect(new Set(acknowledged.map((outcome) => outcome.push.pushUuid)).size).toBe(streamed.length);
    expect(Number(distinct.pushes)).toBe(streamed.length);
    expect(Number(distinct.sessions)).toBe(streamed.filter((outcome) => outcome.push.action === "cdr").length);
  });

  describe("SIGTERM", () => {
    let service: ServiceProcess;
    beforeAll(async () => {
      service = await startServiceProcess({ env: env.serviceEnv });
    });
    afterAll(() => service.signal("SIGKILL"));

    /** Starts a push whose body arrives in two parts; the second is sent when `finish` is called. */
    function pushInTwoParts(baseUrl: string, push: PushSpec) {
      const half = Math.floor(push.body.length / 2);
      const url = new URL(`/tccc/push?action=${push.action}&version=1`, baseUrl);
      const req = request(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(push.body), "X-TCCC-PUSH-UUID": push.pushUuid },
      });
      const answer = new Promise<{ status: number; body: unknown; at: number }>((resolve, reject) => {
        req.on("response", (res) => {
          let text = "";
          res.on("data", (chunk: Buffer) => (text += chunk.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), at: performance.now() }));
        });
        req.on("error", reject);
      });
      req.write(push.body.slice(0, half));
      return { answer, finish: () => req.end(push.body.slice(half)) };
    }

    it("finishes the requests in flight, stores them, and exits 0", async () => {
      const sdkAppId = uniqueSdkAppId();
      const pushes = callPushes(sdkAppId);
      const slow = pushes.next().value as PushSpec;
      const inFlight = pushInTwoParts(service.url, slow);
      // the headers and half of the body are in the server's hands before the signal
      await sleep(500);

      const exited = service.signal("SIGTERM").then((exit) => ({ ...exit, at: performance.now() }));
      await sleep(500);
      inFlight.finish();
      const [answer, exit] = await Promise.all([inFlight.answer, exited]);

      expect(answer).toMatchObject({ status: 200, body: { ErrCode: 0, ErrMsg: "" } });
      expect(exit).toMatchObject({ code: 0, signal: null });
      expect(answer.at).toBeLessThan(exit.at);
      const { missingInInbox, notNormalized } = await env.withDatabase((db) => checkStored(db, [{ push: slow, acknowledged: true }]));
      expect([...missingInInbox, ...notNormalized]).toEqual([]);
      // and no new connection is taken any more
      expect((await sendPush(service.url, pushes.next().value as PushSpec)).error).toBe("ECONNREFUSED");
    });
  });
});
