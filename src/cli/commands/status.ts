import { readOperationalStatus, type OperationalStatus } from "../../observability/operational-status";
import { sdkAppIdOption, stringOption } from "../args";
import type { CliCommand } from "../command";
import { ExitCode } from "../exit-codes";

type QueueDepths = Record<string, Record<string, number>>;

function formatDuration(seconds: number): string {
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}

function formatStatus(status: OperationalStatus, queues: QueueDepths, prefix: string): string[] {
  const lines = [`queues (prefix ${prefix}):`];
  const names = Object.keys(queues);
  if (names.length === 0) lines.push("  none yet");
  const width = Math.max(0, ...names.map((name) => name.length));
  for (const name of names) {
    const counts = Object.entries(queues[name] ?? {}).map(([state, count]) => `${state} ${count}`);
    lines.push(`  ${name.padEnd(width)}  ${counts.join("  ")}`);
  }
  const byAction = Object.entries(status.failedPushes.byAction).map(([action, count]) => `${action} ${count}`);
  lines.push(`failed pushes: ${status.failedPushes.total}${byAction.length ? ` (${byAction.join(", ")})` : ""}`);
  lines.push(`failed DescribeTelCdr records: ${status.failedApiRecords}`);
  lines.push("reconciliation:");
  if (status.reconciliation.length === 0) lines.push("  no run yet");
  for (const app of status.reconciliation) {
    const run = app.lastRun;
    const watermark = app.reconciledUntil ? `reconciled until ${app.reconciledUntil} (lag ${formatDuration(app.lagSec ?? 0)})` : "no scheduled sweep yet";
    const unreadable = run.failedRecords > 0 ? ` (${run.failedRecords} of ${run.fetched} records could not be read)` : "";
    lines.push(`  app ${app.sdkAppId}: ${watermark}; last run #${run.id} ${run.status}${unreadable} at ${run.startedAt} for ${run.windowStart}..${run.windowEnd}${run.error ? `: ${run.error}` : ""}`);
  }
  const mirror = status.mirrorBacklog;
  lines.push(`mirror backlog: ${mirror.pending} pending${mirror.oldestPendingAt ? ` (oldest since ${mirror.oldestPendingAt})` : ""}, ${mirror.failed} failed`);
  return lines;
}

export const statusCommand: CliCommand = {
  name: "status",
  summary: "queue depths, failed pushes, reconciliation lag per application, mirror backlog",
  help: `Usage:
  npm run cli -- status [--sdk-app-id N] [--json]

Queue depths come from Redis (every queue under QUEUE_PREFIX); the rest from PostgreSQL. --sdk-app-id limits failed
pushes, reconciliation and the mirror backlog to one application. --json prints one JSON object for scripts:
{queues, failedPushes, failedApiRecords, reconciliation, mirrorBacklog}. Reconciliation lag is now minus the watermark of the
scheduled sweep.`,
  options: { "sdk-app-id": { type: "string" }, json: { type: "boolean" } },
  async run(args, context) {
    const appOption = stringOption(args, "sdk-app-id");
    const sdkAppId = appOption === undefined ? undefined : sdkAppIdOption(appOption);
    const [prisma, jobs] = await Promise.all([context.database(), context.jobs()]);
    const [status, queues] = await Promise.all([readOperationalStatus(prisma, sdkAppId), jobs.depths(await jobs.discoverQueues())]);
    if (args.values.json) context.out.result(JSON.stringify({ queues, ...status }, null, 2));
    else for (const line of formatStatus(status, queues, context.config.QUEUE_PREFIX)) context.out.result(line);
    return ExitCode.OK;
  },
};
