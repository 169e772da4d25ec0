import { execFileSync } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import type pg from "pg";

/**
 * CPU time from /proc, for the CPU each side spends per push: the receiver's process, and the PostgreSQL backends
 * that serve its connections (PostgreSQL runs on this host, one process per connection).
 */

const TICKS_PER_SECOND = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/**
 * utime + stime of a /proc/<pid>/stat line, in seconds; with `waitedChildren`, cutime + cstime instead (the CPU of
 * children the process has waited for). Fields are counted after the command name, which may itself hold spaces.
 */
export function cpuSecondsOfStat(stat: string, { waitedChildren = false } = {}): number {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // field 3 of proc(5), the state, is fields[0]: utime is field 14, stime 15, cutime 16, cstime 17
  const [user, system] = waitedChildren ? [fields[13], fields[14]] : [fields[11], fields[12]];
  return (Number(user) + Number(system)) / TICKS_PER_SECOND;
}

/** CPU seconds a process has used so far, or undefined once it is gone. */
export async function processCpuSeconds(pid: number): Promise<number | undefined> {
  return readFile(`/proc/${pid}/stat`, "utf8").then(
    (stat) => cpuSecondsOfStat(stat),
    () => undefined,
  );
}

/**
 * CPU seconds a process and all its descendants have used so far (a WEB_CONCURRENCY primary and its HTTP
 * processes), or undefined once it is gone. Children are listed per thread in /proc/<pid>/task/<tid>/children.
 */
export async function processTreeCpuSeconds(pid: number): Promise<number | undefined> {
  const own = await processCpuSeconds(pid);
  if (own === undefined) return undefined;
  const threads = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const children = await Promise.all(threads.map((tid) => readFile(`/proc/${pid}/task/${tid}/children`, "utf8").catch(() => "")));
  let total = own;
  for (const child of children.join(" ").split(/\s+/).filter(Boolean)) total += (await processTreeCpuSeconds(Number(child))) ?? 0;
  return total;
}

/** CPU seconds so far of every client backend connected to `database`, by pid. */
export async function backendCpuSeconds(monitor: pg.Client, database: string): Promise<Map<number, number>> {
  const { rows } = await monitor.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'",
    [database],
  );
  const seconds = new Map<number, number>();
  for (const { pid } of rows) {
    const used = await processCpuSeconds(pid);
    if (used !== undefined) seconds.set(pid, used);
  }
  return seconds;
}

/**
 * CPU the backends used between two readings. A backend that appeared in between counts from zero; one that ended in
 * between is missed (the pools keep their connections open under load, so this is rare).
 */
export function backendCpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

/** Busy and total CPU time of the whole machine so far, in seconds summed over cores (/proc/stat). */
export async function machineCpuSeconds(): Promise<{ busy: number; total: number }> {
  const [cpuLine] = (await readFile("/proc/stat", "utf8")).split("\n");
  const ticks = (cpuLine ?? "").split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user)
  const total = ticks.slice(0, 8).reduce((sum, value) => sum + value, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busy: (total - idle) / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND };
}
