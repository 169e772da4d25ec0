/**
 * npm run bench:mirror — how fast the recording mirror copies, against a plain streamed copy (HTTP -> file) of the
 * same files in the same run, and how much memory the worker holds while it mirrors a 1 GB file.
 *
 * A local HTTP server generates each file on the fly. The mirror side is the real service as production runs it:
 * dist/src/main.js with ROLE=api takes a record push over HTTP, dist/workers/main.js mirrors it to the file backend,
 * and the clock stops when the row says `mirrored`, so queueing, the allowlist check, sha256, fsync and rename are all
 * in the figure. The plain copy is compiled the same way and runs in its own child process. The worker process's
 * resident memory is read from /proc while it works. One small file goes through both first, so start-up costs are
 * not counted as throughput.
 * Needs PostgreSQL and Redis (BENCH_DATABASE_URL, default a tccc_bench_mirror database; REDIS_URL).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { median } from "./load";

const MB = 1024 * 1024;
/** BENCH_MIRROR_SIZES=1024 (MB, comma-separated) and BENCH_MIRROR_RUNS narrow a run down while investigating. */
const SIZES = (process.env.BENCH_MIRROR_SIZES ?? "1,32,256,1024").split(",").map((size) => Number(size) * MB);
/** Two cores shared with the file server make single runs noisy: each figure is the median of this many. */
const RUNS = Number(process.env.BENCH_MIRROR_RUNS ?? 3);
/** Extra node options for the worker only, e.g. BENCH_WORKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof". */
const WORKER_NODE_ARGS = (process.env.BENCH_WORKER_NODE_ARGS ?? "").split(" ").filter(Boolean);
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/tccc_bench_mirror";
const ROOT = path.resolve(__dirname, "../..");
const WARM_UP_SIZE = MB;
const BENCH_APP_ID = 1400000001;

/** Serves /<bytes>.mp3 of generated data: a random block repeated, so nothing large sits on disk or in memory. */
async function startFileServer(): Promise<{ server: http.Server; port: number }> {
  const block = randomBytes(MB);
  const server = http.createServer((request, response) => {
    const size = Number(/^\/(\d+)\.mp3$/.exec(request.url ?? "")?.[1] ?? -1);
    if (size < 0) return response.writeHead(404).end();
    response.writeHead(200, { "content-type": "audio/mpeg", "content-length": size });
    let sent = 0;
    const write = () => {
      while (sent < size) {
        const chunk = block.subarray(0, Math.min(block.length, size - sent));
        sent += chunk.length;
        if (!response.write(chunk)) return void response.once("drain", write);
      }
      response.end();
    };
    write();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Runs a compiled script (npm run bench:mirror builds first). */
function runNode(script: string, args: string[], env: NodeJS.ProcessEnv = process.env, nodeArgs: string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, path.join(ROOT, "dist", script), ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "inherit"] });
}

/** Runs a compiled script to its end and resolves with what it printed. */
async function runToEnd(script: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const child = runNode(script, args, env);
  let output = "";
  child.stdout!.on("data", (data: Buffer) => (output += data.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`${script} exited with ${code}`);
  return output;
}

async function plainCopy(url: string, destination: string): Promise<number> {
  return (JSON.parse(await runToEnd("scripts/bench/plain-copy.js", [url, destination])) as { seconds: number }).seconds;
}

/** Starts a compiled entry point of the service and resolves once it logs that it started (with its URL, if any). */
async function startService(script: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Promise<{ child: ChildProcess; url?: string }> {
  const child = runNode(script, [], env, nodeArgs);
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string | undefined>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
    lines.on("line", (line) => {
      // anything that is not a log line (e.g. --trace-gc output) goes to stderr
      if (!line.startsWith("{")) return void process.stderr.write(`${line}\n`);
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (process.env.BENCH_MIRROR_VERBOSE && entry.msg === "recording mirrored") process.stderr.write(`  ${line}\n`);
      if (entry.msg === "service started") resolve(entry.url);
    });
  });
  return { child, url };
}

async function residentKb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

async function mirrorOnce(db: pg.Client, serviceUrl: string, recordUrl: string, pid: number): Promise<{ seconds: number; peakRssMb: number }> {
  const sessionId = randomUUID();
  let peakKb = 0;
  const sampler = setInterval(() => void residentKb(pid).then((kb) => (peakKb = Math.max(peakKb, kb))), 50);
  const started = process.hrtime.bigint();
  const answer = await fetch(`${serviceUrl}/tccc/push?action=record&version=1`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ SdkAppId: BENCH_APP_ID, SessionId: sessionId, RecordId: "bench", Timestamp: Math.floor(Date.now() / 1000), EndpointUser: "bench@example.com", RecordURL: recordUrl }),
  });
  if (!answer.ok) throw new Error(`push answered ${answer.status}`);
  const deadline = Date.now() + 600_000;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`recording ${sessionId} not mirrored after 10 minutes`);
    const { rows } = await db.query<{ mirror_status: string; mirror_error: string | null }>(
      "SELECT mirror_status, mirror_error FROM recordings WHERE sdk_app_id = $1 AND session_id = $2",
      [BENCH_APP_ID, sessionId],
    );
    const status = rows[0]?.mirror_status;
    if (status === "mirrored") break;
    if (status && status !== "pending") throw new Error(`mirror ended ${status}: ${rows[0]?.mirror_error}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(sampler);
  return { seconds, peakRssMb: peakKb / 1024 };
}

const throughput = (bytes: number, seconds: number) => bytes / MB / seconds;

async function main(): Promise<void> {
  const { server, port } = await startFileServer();
  const storageDir = await mkdtemp(path.join(tmpdir(), "bench-mirror-"));
  // migrations run before, as at a deploy: the schema engine would otherwise stay in the worker's memory
  await runToEnd("scripts/db-migrate.js", [], { ...process.env, DATABASE_URL });
  const serviceEnv = {
    ...process.env,
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "info",
    DATABASE_URL,
    MIGRATE_ON_START: "false",
    QUEUE_PREFIX: `{bench-mirror-${process.pid}}`,
    STORAGE_URL: pathToFileURL(storageDir).href,
    MIRROR_ENABLED: "true",
    MIRROR_ALLOWED_HOSTS: `127.0.0.1:${port}`,
    MIRROR_SWEEP_INTERVAL_MS: "0",
  };
  // as in production: the API takes pushes, a separate worker process mirrors (and is the one measured)
  const api = await startService("src/main.js", { ...serviceEnv, ROLE: "api" });
  const worker = await startService("workers/main.js", serviceEnv, WORKER_NODE_ARGS);
  const [child, url] = [worker.child, api.url!];
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  try {
    const source = (size: number) => `http://127.0.0.1:${port}/${size}.mp3`;
    // every run starts with no dirty pages left by the one before, so neither side pays for the other's writeback
    const settleDisk = () => new Promise((resolve) => spawn("sync").once("exit", resolve));
    const copyOnce = async (size: number) => {
      await settleDisk();
      const seconds = await plainCopy(source(size), path.join(storageDir, "plain-copy.bin"));
      await rm(path.join(storageDir, "plain-copy.bin"));
      return seconds;
    };
    const mirrorAndClean = async (size: number) => {
      await settleDisk();
      const result = await mirrorOnce(db, url, source(size), child.pid!);
      await rm(path.join(storageDir, String(BENCH_APP_ID)), { recursive: true, force: true });
      return result;
    };
    await copyOnce(WARM_UP_SIZE);
    await mirrorAndClean(WARM_UP_SIZE);
    console.log(`worker at rest: ${((await residentKb(child.pid!)) / 1024).toFixed(0)} MB resident; median of ${RUNS} runs per size`);
    console.log("size      plain copy MB/s   mirror MB/s   ratio   worker peak RSS while mirroring");
    for (const size of SIZES) {
      const copies: number[] = [];
      const mirrors: number[] = [];
      let peakRssMb = 0;
      for (let run = 0; run < RUNS; run++) {
        copies.push(throughput(size, await copyOnce(size)));
        const mirror = await mirrorAndClean(size);
        mirrors.push(throughput(size, mirror.seconds));
        if (process.env.BENCH_MIRROR_VERBOSE) console.log(`  run ${run + 1}: plain ${copies.at(-1)!.toFixed(0)} MB/s, mirror ${mirrors.at(-1)!.toFixed(0)} MB/s, peak ${mirror.peakRssMb.toFixed(0)} MB`);
        peakRssMb = Math.max(peakRssMb, mirror.peakRssMb);
      }
      const [copyRate, mirrorRate] = [median(copies), median(mirrors)];
      console.log(
        `${`${size / MB} MB`.padEnd(10)}${copyRate.toFixed(0).padStart(15)}${mirrorRate.toFixed(0).padStart(14)}${(mirrorRate / copyRate).toFixed(2).padStart(8)}   ${peakRssMb.toFixed(0)} MB`,
      );
    }
  } finally {
    await db.end();
    for (const running of [api.child, worker.child]) {
      running.kill("SIGTERM");
      await new Promise((resolve) => running.once("exit", resolve));
    }
    server.close();
    await rm(storageDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
