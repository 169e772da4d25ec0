/**
 * bench:ingest — the push endpoint against a minimal receiver (one INSERT ... ON CONFLICT DO NOTHING), same load,
 * same run, same machine. Two phases per target:
 *   paced:     PACED_RATE pushes/s (default 500) for PACED_SECONDS, open loop: p50/p99 latency (target p99 <= 50 ms)
 *   saturated: as fast as SATURATION_CONCURRENCY connections allow: throughput (target >= 0.6 of the baseline)
 * The load is realistic: per call one CDR (with one agent leg) and two recording tracks, each with its own UUID.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { ensureDatabaseExists } from "../../src/persistence/migrations/migrations";
import { runLoad, type LoadResult, type PushRequest } from "./load";

const ROOT = path.resolve(__dirname, "../..");
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/tccc_bench";
const PACED_RATE = Number(process.env.PACED_RATE ?? 500);
const PACED_SECONDS = Number(process.env.PACED_SECONDS ?? 20);
const SATURATION_PUSHES = Number(process.env.SATURATION_PUSHES ?? 15_000);
const SATURATION_CONCURRENCY = Number(process.env.SATURATION_CONCURRENCY ?? 32);
const SDK_APP_ID = 1400482256;

function makePushes(count: number): PushRequest[] {
  const pushes: PushRequest[] = [];
  const now = Math.floor(Date.now() / 1000);
  while (pushes.length < count) {
    const sessionId = randomUUID();
    const customerTrack = randomUUID();
    const agentTrack = randomUUID();
    const cdr = {
      SdkAppId: SDK_APP_ID, SessionId: sessionId, Caller: "008613800000000", Callee: "008618412347605", Direction: 0, Duration: 95,
      SeatUser: { Mail: "agent@example.com", Name: "Agent", UserId: "agent@example.com", StaffNumber: "8546", SkillGroupNameList: ["Support"] },
      StartTimestamp: now - 120, RingTimestamp: now - 110, AcceptTimestamp: now - 100, EndedTimestamp: now - 5, QueuedTimestamp: now - 115,
      IVRKeyPressed: ["1"], IVRKeyPressedEx: [{ Key: "1", Label: "Support" }], HungUpSide: "user", EndStatusString: "ok",
      QueuedSkillGroupId: 2734, QueuedSkillGroupName: "Support", RecordId: customerTrack, Uui: "crm-1", IVRDuration: 5,
      TelLocation: { TelNumber: "008613800000000", Country: "China", Province: "Guangdong", City: "Shenzhen", Operator: "Mobile" },
      ServeParticipants: [{ Mail: "agent@example.com", Type: "staffSeat", Sequence: 0, StartTimestamp: now - 110, RingTimestamp: now - 110,
        AcceptTimestamp: now - 100, EndedTimestamp: now - 5, RecordId: agentTrack, SkillGroupId: 2734, SkillGroupName: "Support", EndStatusString: "ok" }],
    };
    const record = (recordId: string, endpoint: string) => ({
      SdkAppId: SDK_APP_ID, SessionId: sessionId, RecordId: recordId, Timestamp: now - 100, EndpointUser: endpoint,
      RecordURL: `https://recorder-1.cos.ap-guangzhou.myqcloud.com/${sessionId}/${recordId}.mp3`,
    });
    const push = (action: string, body: unknown): PushRequest => ({
      path: `/tccc/push?action=${action}&version=1`,
      headers: { "content-type": "application/json;charset=utf8", "x-tccc-push-uuid": randomUUID() },
      body: JSON.stringify(body),
    });
    pushes.push(push("cdr", cdr), push("record", record(customerTrack, "008613800000000")), push("record", record(agentTrack, "agent@example.com")));
  }
  return pushes.slice(0, count);
}

function start(label: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "inherit"] });
  child.on("exit", (code, signal) => {
    if (code !== 0 && signal !== "SIGTERM") console.error(`${label} exited with ${code ?? signal}`);
  });
  return child;
}

async function waitUntilUp(url: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const up = await fetch(url, { method: "POST", body: "{}" }).then(() => true, () => false);
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not come up`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

async function measure(label: string, baseUrl: string): Promise<{ paced: LoadResult; saturated: LoadResult }> {
  // warm up connections, JIT and the database's caches
  await runLoad(baseUrl, makePushes(1500), { ratePerSec: 0, concurrency: 16 });
  const paced = await runLoad(baseUrl, makePushes(PACED_RATE * PACED_SECONDS), { ratePerSec: PACED_RATE, concurrency: 256 });
  const saturated = await runLoad(baseUrl, makePushes(SATURATION_PUSHES), { ratePerSec: 0, concurrency: SATURATION_CONCURRENCY });
  for (const [phase, result] of Object.entries({ paced, saturated })) {
    console.log(
      `${label.padEnd(18)} ${phase.padEnd(9)} ${result.ok}/${result.sent} ok, ${result.failed} failed, ` +
        `${result.throughput.toFixed(0)} pushes/s, p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, max ${result.max.toFixed(1)} ms`,
    );
  }
  return { paced, saturated };
}

async function main(): Promise<void> {
  const tsx = require.resolve("tsx/cli");
  const common = { DATABASE_URL, DATABASE_POOL_SIZE: "10", LOG_LEVEL: "warn" };
  console.log(`bench:ingest — paced ${PACED_RATE}/s for ${PACED_SECONDS} s, then ${SATURATION_PUSHES} pushes over ${SATURATION_CONCURRENCY} connections`);

  await ensureDatabaseExists(DATABASE_URL);
  const baseline = start("minimal receiver", [tsx, "scripts/bench/minimal-receiver.ts"], { ...common, PORT: "3101" });
  const service = start("service", [tsx, "src/main.ts"], { ...common, PORT: "3102", HOST: "127.0.0.1", ROLE: "api", PUSH_AUTH: "none" });
  try {
    await Promise.all([waitUntilUp("http://127.0.0.1:3101/"), waitUntilUp("http://127.0.0.1:3102/healthz")]);
    const base = await measure("minimal receiver", "http://127.0.0.1:3101");
    const ours = await measure("service", "http://127.0.0.1:3102");

    const ratio = ours.saturated.throughput / base.saturated.throughput;
    console.log("");
    console.log(`throughput ratio (service / minimal receiver, saturated): ${ratio.toFixed(2)}  target >= 0.60  ${ratio >= 0.6 ? "PASS" : "FAIL"}`);
    console.log(`service p99 at ${PACED_RATE}/s: ${ours.paced.p99.toFixed(1)} ms  target <= 50 ms  ${ours.paced.p99 <= 50 ? "PASS" : "FAIL"}`);
    console.log(`service kept the pace: ${ours.paced.throughput.toFixed(0)}/${PACED_RATE} pushes/s, ${ours.paced.failed} failed`);
  } finally {
    await Promise.all([stop(baseline), stop(service)]);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
