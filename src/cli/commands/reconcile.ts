import { setTimeout as sleep } from "node:timers/promises";
import { reconcileWindowJob } from "../../reconciliation/reconcile-jobs";
import { type BackfillProgress, type BackfillRequest, type ReconciliationService } from "../../reconciliation/reconciliation-service";
import { BackfillRangeError } from "../../reconciliation/windows";
import { parseInstant, parseSdkAppId, requiredOption, stringOption } from "../args";
import type { CliContext } from "../cli-context";
import type { CliCommand } from "../command";
import { ExitCode, UsageError } from "../exit-codes";

const DEFAULT_POLL_MS = 1000;

function describeProgress(progress: BackfillProgress): string {
  const found = progress.runs.reduce((sum, run) => sum + run.created, 0);
  return (
    `windows ${progress.succeeded + progress.failed}/${progress.total} done: ${progress.succeeded} succeeded, ${progress.failed} failed, ` +
    `${progress.running} running, ${progress.pending} waiting; ${found} calls found missing so far`
  );
}

/** Polls the runs of the request's windows until each has finished, printing a line whenever something moved. */
async function waitForBackfill(context: CliContext, reconciliation: ReconciliationService, request: BackfillRequest, pollMs: number): Promise<BackfillProgress> {
  let last = "";
  for (;;) {
    const progress = await reconciliation.backfillProgress(request);
    const line = describeProgress(progress);
    if (line !== last) context.out.note(line);
    last = line;
    if (progress.succeeded + progress.failed === progress.total) return progress;
    await sleep(pollMs);
  }
}

/** The windows are run by the service's workers: without one, waiting would never end, so say so. */
async function warnWithoutWorkers(context: CliContext): Promise<void> {
  const workers = await (await context.jobs()).workerCount(reconcileWindowJob.id);
  if (workers === 0) context.out.note(`no worker consumes ${reconcileWindowJob.id} yet: the windows run once a service with ROLE=all or ROLE=worker is up`);
}

export const reconcileCommand: CliCommand = {
  name: "reconcile",
  summary: "backfill a time range of one application from DescribeTelCdr",
  help: `Usage:
  npm run cli -- reconcile --sdk-app-id N --from <time> --to <time> [--no-wait]

Queues the range as DescribeTelCdr windows (at most RECONCILE_MAX_WINDOW_SEC each), as POST /admin/reconcile does;
the service's workers run them, respecting the API's rate limit. Asking again for a range already queued or
running adds nothing. <time> is unix seconds or ISO 8601 with a zone: 2026-03-01 (UTC midnight),
2026-03-01T08:00:00Z, 2026-03-01T16:00:00+08:00. The API serves the last 180 days.

Waits and prints progress on stderr until every window has run, then a summary on stdout; exit code 1 when a
window failed (the service retries it, and the next run reads it again). --no-wait prints the queued runs (id, window start
and end) and returns at once; GET /admin/reconcile/runs shows them later. Needs TCCC_SECRET_ID and TCCC_SECRET_KEY, as the service does.`,
  options: { "sdk-app-id": { type: "string" }, from: { type: "string" }, to: { type: "string" }, "no-wait": { type: "boolean" }, "poll-ms": { type: "string" } },
  async run(args, context) {
    if (args.positionals.length > 0) throw new UsageError(`unexpected arguments: ${args.positionals.join(" ")}`);
    const sdkAppId = parseSdkAppId(requiredOption(args, "sdk-app-id"));
    const from = parseInstant("from", requiredOption(args, "from"));
    const to = parseInstant("to", requiredOption(args, "to"));
    const pollMs = Number(stringOption(args, "poll-ms") ?? DEFAULT_POLL_MS);
    if (!Number.isInteger(pollMs) || pollMs < 10) throw new UsageError("--poll-ms must be an integer of at least 10");

    const reconciliation = await context.reconciliation();
    let request: BackfillRequest;
    try {
      request = await reconciliation.requestBackfill(sdkAppId, from, to);
    } catch (error) {
      if (error instanceof BackfillRangeError) throw new UsageError(error.message);
      throw error;
    }
    context.out.note(`queued ${request.windows.length} windows for app ${sdkAppId}, ${from.toISOString()} to ${to.toISOString()}`);
    if (args.values["no-wait"]) {
      request.windows.forEach((window, index) =>
        context.out.result(`run #${request.runIds[index]} ${new Date(window.start * 1000).toISOString()} ${new Date(window.end * 1000).toISOString()}`),
      );
      return ExitCode.OK;
    }
    await warnWithoutWorkers(context);

    const progress = await waitForBackfill(context, reconciliation, request, pollMs);
    for (const run of progress.runs.filter((candidate) => candidate.status === "failed")) {
      context.out.note(`run #${run.id} for ${run.windowStart.toISOString()}..${run.windowEnd.toISOString()} failed: ${run.error}`);
    }
    const total = (field: "fetched" | "created" | "updated") => progress.runs.reduce((sum, run) => sum + run[field], 0);
    context.out.result(
      `reconciled app ${sdkAppId}: ${progress.succeeded}/${progress.total} windows succeeded; ${total("fetched")} calls listed, ` +
        `${total("created")} were missing, ${total("updated")} updated; runs ${progress.runs.map((run) => `#${run.id}`).join(" ")}`,
    );
    return progress.failed > 0 ? ExitCode.FAILED : ExitCode.OK;
  },
};
