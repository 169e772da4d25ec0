import { execFileSync, spawn } from "node:child_process";
import { randomInt } from "node:crypto";
import path from "node:path";
import { createInterface } from "node:readline";
import type { LoadResult } from "./load";
import { cpuSecondsOfStat } from "./proc-cpu";

/**
 * The saturated phase's load generator: wrk (C, event loop, LuaJIT for the request bodies) takes far less CPU per
 * request than a Node.js client, so it leaves the cores to the receivers it measures. Its own CPU is reported anyway.
 */

const INSTALL_SCRIPT = path.join(__dirname, "install-wrk.sh");
const LUA_SCRIPT = path.join(__dirname, "wrk-pushes.lua");

export function ensureWrk(): string {
  execFileSync("sh", [INSTALL_SCRIPT], { stdio: ["ignore", "ignore", "inherit"] });
  return execFileSync("sh", ["-c", "wrk -v 2>&1 | head -1"], { encoding: "utf8" }).trim();
}

export interface WrkOptions {
  baseUrl: string;
  connections: number;
  threads: number;
  seconds: number;
  /** Written by push-bodies.ts templatesFile. */
  templatesPath: string;
  authorization?: string;
}

export interface WrkResult extends LoadResult {
  /** CPU wrk itself used. */
  cpuSeconds: number;
}

interface WrkSummary {
  requests: number;
  durationUs: number;
  non2xx: number;
  socketErrors: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
}

/**
 * Runs wrk to its end. It runs under a shell that, once wrk exited and was waited for, prints its own
 * /proc/<pid>/stat: the children's CPU fields there are wrk's exact CPU time, which nothing can read after it exits.
 */
export async function runWrk(options: WrkOptions): Promise<WrkResult> {
  const wrkArgs = [
    `-t${options.threads}`,
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    "--timeout",
    "10s",
    "-s",
    LUA_SCRIPT,
    options.baseUrl,
    "--",
    options.templatesPath,
    String(randomInt(1, 2 ** 31)),
    options.authorization ?? "",
  ];
  const child = spawn("sh", ["-c", 'wrk "$@"; code=$?; read -r stat < /proc/$$/stat; echo "WRK_CPU $stat"; exit $code', "sh", ...wrkArgs], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let summary: WrkSummary | undefined;
  let cpuSeconds = Number.NaN;
  const output: string[] = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    if (line.startsWith("WRK_RESULT ")) summary = JSON.parse(line.slice("WRK_RESULT ".length)) as WrkSummary;
    else if (line.startsWith("WRK_CPU ")) cpuSeconds = cpuSecondsOfStat(line.slice("WRK_CPU ".length), { waitedChildren: true });
    else output.push(line);
  });
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  if (code !== 0 || !summary) throw new Error(`wrk exited with ${code}:\n${output.join("\n")}`);
  const seconds = summary.durationUs / 1e6;
  const ok = summary.requests - summary.non2xx;
  return {
    sent: summary.requests + summary.socketErrors,
    ok,
    failed: summary.non2xx + summary.socketErrors,
    seconds,
    throughput: ok / seconds,
    p50: summary.p50Us / 1000,
    p99: summary.p99Us / 1000,
    max: summary.maxUs / 1000,
    cpuSeconds,
  };
}
