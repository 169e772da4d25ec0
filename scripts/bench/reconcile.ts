/**
 * npm run bench:reconcile — one day of 100,000 calls behind the fake TCCC API at the real limit (20 requests per
 * second per application): floor 100,000 / 100 per page / 20 per second = 50 s. Prints elapsed time, request rate,
 * refusals, and RSS/heap as the stored count grows. Env: BENCH_CALLS (100000), BENCH_DATABASE_URL.
 */
import { fork } from "node:child_process";
import { randomInt } from "node:crypto";
import path from "node:path";
import { createInterface } from "node:readline";
import { loadConfig } from "../../src/config/env";
import { createLogger } from "../../src/logging/logger";
import { startService } from "../../src/service";

const CALLS = Number(process.env.BENCH_CALLS ?? 100_000);
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/tccc_bench_reconcile";
const DAY_SEC = 86_400;
const SECRET = { id: "AKIDbenchReconcile000000000000000", key: "bench-secret-key" };

interface EndpointReport {
  requests: number;
  refused: number;
  peakPerSecond: number;
}

async function main(): Promise<void> {
  const sdkAppId = randomInt(1_000_000_000, 281_474_976_710_655);
  const windowEnd = Math.floor(Date.now() / 1000) - 600;
  const windowStart = windowEnd - DAY_SEC;

  const endpoint = fork(path.join(__dirname, "fake-tccc-api-process.ts"), [String(sdkAppId), String(windowStart), String(CALLS), String(DAY_SEC)], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, FAKE_SECRET_ID: SECRET.id, FAKE_SECRET_KEY: SECRET.key },
    stdio: ["ignore", "pipe", "inherit", "ipc"],
  });
  const [url] = await createInterface({ input: endpoint.stdout! })[Symbol.asyncIterator]().next().then((line) => [String(line.value)]);

  const config = loadConfig({
    ...process.env,
    ROLE: "worker",
    LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
    DATABASE_URL,
    QUEUE_PREFIX: `{tccc-bench-${process.pid}}`,
    TCCC_SECRET_ID: SECRET.id,
    TCCC_SECRET_KEY: SECRET.key,
    TCCC_API_ENDPOINT: url,
    TCCC_SDK_APP_IDS: "",
    // reconciliation alone is measured; the listed tracks stay pending rather than being fetched
    MIRROR_ENABLED: "false",
  });
  const service = await startService(config, createLogger(config.LOG_LEVEL));
  const prisma = service.database.prisma;
  console.log(`reconciling ${CALLS} calls over one day for SdkAppId ${sdkAppId} at ${config.RECONCILE_MAX_RPS} req/s, ${config.RECONCILE_CONCURRENCY} pages in flight`);

  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  const sampler = setInterval(async () => {
    const run = await prisma.reconcileRun.findFirst({ where: { sdkAppId: BigInt(sdkAppId) }, select: { fetched: true } });
    console.log(`${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s  stored ${String(run?.fetched ?? 0).padStart(7)}  ${memoryFigures()}`);
  }, 5000);
  const result = await service.reconciliation!.reconcileWindow(BigInt(sdkAppId), { start: windowStart, end: windowEnd });
  const elapsedSec = (performance.now() - started) / 1000;
  clearInterval(sampler);

  const report = await new Promise<EndpointReport>((resolve) => {
    endpoint.once("message", (message) => resolve(message as EndpointReport));
    endpoint.send("report");
  });
  const floorSec = CALLS / 100 / 20;
  console.log(`\nrun ${result.runId}: ${result.status}${result.error ? ` (${result.error})` : ""}`);
  console.log(`fetched ${result.fetched}, created ${result.created}, updated ${result.updated}, unchanged ${result.unchanged}, failed records ${result.failedRecords}`);
  console.log(`elapsed ${elapsedSec.toFixed(1)} s; floor ${floorSec.toFixed(1)} s; ratio ${(elapsedSec / floorSec).toFixed(3)} (target <= 1.15)`);
  console.log(`endpoint: ${report.requests} requests, ${report.refused} refused (RequestLimitExceeded, retried), peak ${report.peakPerSecond} in any 1 s`);
  const cpu = process.cpuUsage(cpuAtStart);
  console.log(`reconciler CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s; memory at end: ${memoryFigures()}`);

  await deleteBenchRows(prisma, BigInt(sdkAppId));
  await service.stop();
  endpoint.kill();
  if (result.status !== "succeeded") process.exitCode = 1;
}

/** The benchmark's application is its own; its rows are removed so repeated runs do not grow the database. */
async function deleteBenchRows(prisma: import("../../src/persistence/database").Database, sdkAppId: bigint): Promise<void> {
  for (const table of ["recordings", "call_participants", "call_sessions", "tel_cdr_records", "reconcile_runs", "reconcile_watermarks"]) {
    await prisma.$executeRawUnsafe(`DELETE FROM ${table} WHERE sdk_app_id = $1`, sdkAppId);
  }
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0).padStart(4)} MB`;

/** With --expose-gc (npm run bench:reconcile), heap is measured after a collection: live memory, not garbage. */
function memoryFigures(): string {
  (globalThis as { gc?: () => void }).gc?.();
  const memory = process.memoryUsage();
  return `rss ${mb(memory.rss)}  heap ${mb(memory.heapUsed)}`;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
