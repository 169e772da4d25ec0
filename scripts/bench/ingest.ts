/**
 * npm run bench:ingest — the push endpoint against two baselines, in the same run, on the same machine:
 *   express + pg:   express 5 reading the raw body and one INSERT ... ON CONFLICT DO NOTHING (what a user would write)
 *   node:http + pg: the same INSERT with nothing around it
 *   service:        dist/src/main.js, ROLE=all, basic auth, as deployed
 *   service xN:     the same with WEB_CONCURRENCY=N (BENCH_WEB_CONCURRENCY, the number of cores), the pool shared
 * Same pool size for all; each in its own database, created fresh by the bench. The load is realistic: per call one
 * CDR (one agent leg) and two record pushes, each with a fresh X-TCCC-PUSH-UUID.
 * Per target and run: a warm-up, then
 *   saturated: wrk over BENCH_CONNECTIONS connections for BENCH_SATURATED_SECONDS: throughput
 *   paced:     BENCH_PACED_RATE pushes/s for BENCH_PACED_SECONDS, open loop (the Node generator of load.ts, whose
 *              own CPU is reported): latency from each push's scheduled start
 * BENCH_RUNS rounds (express, node:http, service, service xN, again), medians printed; CPU per push of each receiver
 * (its process and their children) and of the PostgreSQL backends serving it, from /proc. Targets: saturated, service
 * >= 0.8 x express and service xN >= 1.0 x express; service p99 <= 20 ms paced at 1,000 pushes/s.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, connect } from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { databaseName, maintenanceUrl, targetDatabaseUrl } from "./bench-databases";
import { ROOT, SERVICE_CREDENTIALS, targets, type Target } from "./ingest-targets";
import { loadConnections, median, runLoad, type LoadResult } from "./load";
import { backendCpuBetween, backendCpuSeconds, machineCpuSeconds, processTreeCpuSeconds } from "./proc-cpu";
import { callPushTemplates, makeCallPushes, templatesFile } from "./push-bodies";
import { ensureWrk, runWrk } from "./wrk";

const setting = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const BENCH_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/tccc_bench";
const RUNS = setting("BENCH_RUNS", 3);
const POOL_SIZE = setting("BENCH_POOL_SIZE", 10);
const CONNECTIONS = setting("BENCH_CONNECTIONS", 32);
const WRK_THREADS = setting("BENCH_WRK_THREADS", 1);
const WARMUP_SECONDS = setting("BENCH_WARMUP_SECONDS", 5);
const SATURATED_SECONDS = setting("BENCH_SATURATED_SECONDS", 15);
const PACED_RATE = setting("BENCH_PACED_RATE", 1000);
const PACED_SECONDS = setting("BENCH_PACED_SECONDS", 15);
const PACED_WARMUP_SECONDS = setting("BENCH_PACED_WARMUP_SECONDS", 2);
const WEB_CONCURRENCY = setting("BENCH_WEB_CONCURRENCY", os.cpus().length);
/** e.g. BENCH_TARGETS=service to profile one side; the ratios need express and service. */
const ONLY = process.env.BENCH_TARGETS?.split(",");

/** Saturated throughput against express + pg: one service process, and WEB_CONCURRENCY of them. */
const TARGET_RATIOS: Record<string, number> = { service: 0.8, cluster: 1.0 };
const TARGET_P99_MS = 20;

const AUTHORIZATION = `Basic ${Buffer.from(`${SERVICE_CREDENTIALS.user}:${SERVICE_CREDENTIALS.password}`).toString("base64")}`;

type Phase = "saturated" | "paced";

interface PhaseFigures extends LoadResult {
  /** CPU of the receiver's process, of the PostgreSQL backends serving it, of the load generator. */
  receiverCpu: number;
  postgresCpu: number;
  generatorCpu: number;
  /** Cores busy on the whole machine during the phase, everything included. */
  machineBusyCores: number;
  /** Rows its table gained: at least `ok`, or acknowledged pushes were lost. */
  stored: number;
}

interface Running {
  target: Target;
  child: ChildProcess;
  baseUrl: string;
  database: string;
  /** A connection to the target's database, to count its rows; its own backend is left out of the CPU figures. */
  db: pg.Client;
  dbPid: number;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port: number, child: ChildProcess, label: string): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error(`${label} exited with ${child.exitCode} before it listened`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => resolve(true)).once("error", () => resolve(false));
      socket.once("connect", () => socket.destroy());
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${label} did not listen on ${port} within 30 s`);
}

async function start(target: Target): Promise<Running> {
  const databaseUrl = targetDatabaseUrl(BENCH_DATABASE_URL, target.name);
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(ROOT, "dist", target.script)], {
    cwd: ROOT,
    env: { ...process.env, ...target.env(databaseUrl), PORT: String(port) },
    stdio: ["ignore", "ignore", "inherit"],
  });
  await waitForPort(port, child, target.label);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const { rows } = await db.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
  return { target, child, baseUrl: `http://127.0.0.1:${port}`, database: databaseName(databaseUrl), db, dbPid: rows[0]!.pid };
}

async function stop(running: Running): Promise<void> {
  await running.db.end();
  if (running.child.exitCode !== null) return;
  const exited = new Promise((resolve) => running.child.once("exit", resolve));
  running.child.kill("SIGTERM");
  await exited;
}

async function storedRows(running: Running): Promise<number> {
  const { rows } = await running.db.query<{ count: number }>(`SELECT count(*)::int AS count FROM ${running.target.storedTable}`);
  return rows[0]!.count;
}

/** Runs one phase between two readings of every CPU counter involved. */
async function measure(running: Running, monitor: pg.Client, load: () => Promise<LoadResult & { cpuSeconds?: number }>): Promise<PhaseFigures> {
  const backends = async () => {
    const seconds = await backendCpuSeconds(monitor, running.database);
    seconds.delete(running.dbPid);
    return seconds;
  };
  const rowsBefore = await storedRows(running);
  const pid = running.child.pid!;
  const before = { receiver: await processTreeCpuSeconds(pid), backends: await backends(), machine: await machineCpuSeconds(), self: process.cpuUsage() };
  const result = await load();
  const self = process.cpuUsage(before.self);
  const after = { receiver: await processTreeCpuSeconds(pid), backends: await backends(), machine: await machineCpuSeconds() };
  const machineSeconds = after.machine.total - before.machine.total;
  return {
    ...result,
    receiverCpu: (after.receiver ?? Number.NaN) - (before.receiver ?? Number.NaN),
    postgresCpu: backendCpuBetween(before.backends, after.backends),
    // wrk reports its own; the paced generator runs in this process
    generatorCpu: result.cpuSeconds ?? (self.user + self.system) / 1e6,
    machineBusyCores: machineSeconds > 0 ? ((after.machine.busy - before.machine.busy) / machineSeconds) * os.cpus().length : Number.NaN,
    stored: (await storedRows(running)) - rowsBefore,
  };
}

const perPushUs = (cpuSeconds: number, pushes: number) => (pushes > 0 ? (cpuSeconds / pushes) * 1e6 : Number.NaN);
const fixed = (value: number, digits = 0) => (Number.isFinite(value) ? value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }) : "-");

/** The printed figures of a phase; the summary prints the median of each over the runs. */
const COLUMNS: { title: string; digits: number; value(figures: PhaseFigures): number }[] = [
  { title: "pushes/s", digits: 0, value: (figures) => figures.throughput },
  { title: "ok", digits: 0, value: (figures) => figures.ok },
  { title: "failed", digits: 0, value: (figures) => figures.failed },
  { title: "stored", digits: 0, value: (figures) => figures.stored },
  { title: "p50 ms", digits: 1, value: (figures) => figures.p50 },
  { title: "p99 ms", digits: 1, value: (figures) => figures.p99 },
  { title: "max ms", digits: 1, value: (figures) => figures.max },
  { title: "receiver µs/push", digits: 0, value: (figures) => perPushUs(figures.receiverCpu, figures.ok) },
  { title: "postgres µs/push", digits: 0, value: (figures) => perPushUs(figures.postgresCpu, figures.ok) },
  { title: "generator cores", digits: 2, value: (figures) => figures.generatorCpu / figures.seconds },
  { title: "machine busy cores", digits: 2, value: (figures) => figures.machineBusyCores },
];
const header = () => `${"target".padEnd(16)}${"phase".padEnd(10)}${COLUMNS.map((column) => column.title.padStart(Math.max(9, column.title.length + 2))).join("")}`;
const line = (target: Target, phase: Phase, values: number[]) =>
  `${target.label.padEnd(16)}${phase.padEnd(10)}${COLUMNS.map((column, index) => fixed(values[index] as number, column.digits).padStart(Math.max(9, column.title.length + 2))).join("")}`;

function shell(command: string): string {
  return execFileSync("sh", ["-c", command], { encoding: "utf8" }).trim();
}

async function main(): Promise<void> {
  const wrkVersion = ensureWrk();
  const chosen = targets(POOL_SIZE, WEB_CONCURRENCY).filter((target) => !ONLY || ONLY.includes(target.name));
  const monitor = new pg.Client({ connectionString: maintenanceUrl(BENCH_DATABASE_URL) });
  await monitor.connect();
  const workDir = await mkdtemp(path.join(os.tmpdir(), "bench-ingest-"));
  const templatesPath = path.join(workDir, "push-templates.tsv");
  await writeFile(templatesPath, templatesFile(callPushTemplates()));
  const headers = { "content-type": "application/json;charset=utf8", authorization: AUTHORIZATION };

  const { rows } = await monitor.query<{ server_version: string }>("SHOW server_version");
  console.log("bench:ingest");
  console.log(`  uptime before: ${shell("uptime")}`);
  console.log(`  node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "unknown"}), PostgreSQL ${rows[0]?.server_version}, ${wrkVersion}`);
  console.log(
    `  ${RUNS} runs of: ${chosen.map((target) => target.label).join(", ")}; pool ${POOL_SIZE} each; warm-up ${WARMUP_SECONDS} s; ` +
      `saturated: wrk ${WRK_THREADS} thread(s), ${CONNECTIONS} connections, ${SATURATED_SECONDS} s; paced: ${PACED_RATE}/s for ${PACED_SECONDS} s, open loop`,
  );
  console.log(`  databases: ${chosen.map((target) => databaseName(targetDatabaseUrl(BENCH_DATABASE_URL, target.name))).join(", ")} (created fresh)`);

  for (const target of chosen) await target.prepare(targetDatabaseUrl(BENCH_DATABASE_URL, target.name));

  const results = new Map<string, PhaseFigures[]>();
  const record = (target: Target, phase: Phase, figures: PhaseFigures) => {
    const key = `${target.name}/${phase}`;
    results.set(key, [...(results.get(key) ?? []), figures]);
    console.log(line(target, phase, COLUMNS.map((column) => column.value(figures))));
    if (figures.stored < figures.ok) console.log(`  LOST: ${target.label} acknowledged ${figures.ok} pushes, its table gained ${figures.stored} rows`);
  };
  const wrkOptions = (baseUrl: string, seconds: number) => ({ baseUrl, seconds, connections: CONNECTIONS, threads: WRK_THREADS, templatesPath, authorization: AUTHORIZATION });

  try {
    for (let run = 1; run <= RUNS; run++) {
      console.log(`\nrun ${run}/${RUNS}`);
      console.log(header());
      for (const target of chosen) {
        const running = await start(target);
        try {
          // JIT, pools and PostgreSQL's caches warm, as in a process that has been up for a while
          await runWrk(wrkOptions(running.baseUrl, WARMUP_SECONDS));
          record(target, "saturated", await measure(running, monitor, () => runWrk(wrkOptions(running.baseUrl, SATURATED_SECONDS))));
          // the generator's connections open and its code warm before it counts, as wrk's warm-up does for the saturated phase
          const paced = { ratePerSec: PACED_RATE, concurrency: 256, connections: loadConnections(256) };
          try {
            await runLoad(running.baseUrl, makeCallPushes(PACED_RATE * PACED_WARMUP_SECONDS, headers), paced);
            const pushes = makeCallPushes(PACED_RATE * PACED_SECONDS, headers);
            record(target, "paced", await measure(running, monitor, () => runLoad(running.baseUrl, pushes, paced)));
          } finally {
            await paced.connections.close();
          }
        } finally {
          await stop(running);
        }
      }
    }
  } finally {
    await monitor.end();
    await rm(workDir, { recursive: true, force: true });
  }

  console.log(`\nmedians of ${RUNS} runs`);
  console.log(header());
  for (const target of chosen) {
    for (const phase of ["saturated", "paced"] as const) {
      const runs = results.get(`${target.name}/${phase}`) ?? [];
      console.log(line(target, phase, COLUMNS.map((column) => median(runs.map(column.value)))));
    }
  }

  const saturated = (name: string) => results.get(`${name}/saturated`)?.map((figures) => figures.throughput);
  const labelOf = (name: string) => chosen.find((target) => target.name === name)?.label;
  console.log("");
  for (const [name, targetRatio] of Object.entries(TARGET_RATIOS)) {
    const measured = saturated(name);
    for (const baseline of ["express", "minimal"]) {
      const base = saturated(baseline);
      if (!measured || !base) continue;
      const ratios = measured.map((value, index) => value / (base[index] as number));
      const verdict = baseline === "express" ? `  target >= ${targetRatio.toFixed(1)}  ${median(ratios) >= targetRatio ? "PASS" : "FAIL"}` : "";
      console.log(`saturated throughput, ${labelOf(name)} / ${labelOf(baseline)}: per run ${ratios.map((ratio) => ratio.toFixed(2)).join(", ")}; median ${median(ratios).toFixed(2)}${verdict}`);
    }
  }
  const paced = results.get("service/paced");
  if (paced) {
    const p99 = median(paced.map((figures) => figures.p99));
    const kept = paced.every((figures) => figures.failed === 0 && figures.throughput >= PACED_RATE * 0.98);
    console.log(
      `service p99 at ${PACED_RATE} pushes/s paced: per run ${paced.map((figures) => figures.p99.toFixed(1)).join(", ")} ms; median ${p99.toFixed(1)} ms` +
        `  target <= ${TARGET_P99_MS} ms  ${p99 <= TARGET_P99_MS && kept ? "PASS" : "FAIL"}${kept ? "" : " (pace not kept, or pushes failed)"}`,
    );
  }
  console.log(`uptime after: ${shell("uptime")}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
