import { createPushAdminService, pushFilterSchema, type PushFilter } from "../../admin/push-admin-service";
import { createReconcileAdminService, telCdrRecordFilterSchema, type TelCdrRecordFilter } from "../../admin/reconcile-admin-service";
import type { ReplayCounts } from "../../admin/bulk-replay";
import { NotFoundError } from "../../errors/app-errors";
import { errorReason } from "../../errors/startup-error";
import { queueMirrorJobs } from "../../recording-mirror/mirror-jobs";
import { stringOption, type ParsedArgs } from "../args";
import type { CliContext } from "../cli-context";
import type { CliCommand } from "../command";
import { ExitCode, UsageError } from "../exit-codes";

const OPTION_NAMES: Record<string, string> = { sdkAppId: "sdk-app-id", sessionId: "session-id" };

function parsedOrUsageError<T>(parsed: { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } }): T {
  if (parsed.success) return parsed.data;
  throw new UsageError(parsed.error.issues.map((issue) => `--${OPTION_NAMES[String(issue.path[0])] ?? String(issue.path[0])}: ${issue.message}`).join("; "));
}

const pushFilterFrom = (args: ParsedArgs): PushFilter =>
  parsedOrUsageError(pushFilterSchema.safeParse({ status: stringOption(args, "status"), action: stringOption(args, "action"), sdkAppId: stringOption(args, "sdk-app-id") }));

const recordFilterFrom = (args: ParsedArgs): TelCdrRecordFilter =>
  parsedOrUsageError(
    telCdrRecordFilterSchema.safeParse({ status: stringOption(args, "status"), sdkAppId: stringOption(args, "sdk-app-id"), sessionId: stringOption(args, "session-id") }),
  );

/**
 * Recordings a replay gave a URL are queued for the mirror, as the admin API's replay does. Redis is opened only then:
 * a replay works while it is away, and the mirror's sweep finds the recordings later.
 */
function queueMirrorJobsOnce(context: CliContext): (recordingIds: bigint[]) => Promise<void> {
  let warned = false;
  return async (recordingIds) => {
    try {
      await queueMirrorJobs(await context.jobs(), context.config, recordingIds);
    } catch (error) {
      if (!warned) context.out.note(`could not queue mirror jobs (${errorReason(error)}); the mirror's sweep picks the recordings up`);
      warned = true;
    }
  };
}

/** One stored push (by uuid) or DescribeTelCdr record (by id): exit 0 when it now goes through. */
async function replayOne(context: CliContext, name: string, replay: () => Promise<{ status: string; error: string | null }>): Promise<ExitCode> {
  try {
    const outcome = await replay();
    context.out.result(outcome.status === "processed" ? `${name}: processed` : `${name}: failed: ${outcome.error}`);
    return outcome.status === "processed" ? ExitCode.OK : ExitCode.FAILED;
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    context.out.note(error.message);
    return ExitCode.FAILED;
  }
}

/** In this process rather than as the admin API's job: the operator sees the progress and the outcome. */
async function replayMatching(context: CliContext, what: string, replay: (onProgress: (done: number, total: number) => Promise<void>) => Promise<ReplayCounts>): Promise<ExitCode> {
  const counts = await replay(async (done, total) => context.out.note(`replayed ${done}/${total}`));
  context.out.result(`replayed ${counts.replayed} ${what}: ${counts.processed} processed, ${counts.failed} still failed`);
  return counts.failed > 0 ? ExitCode.FAILED : ExitCode.OK;
}

/** Either one row named on the command line or a filter, never both, never neither. */
function requireTargetOrFilter(target: string | undefined, filter: object, noun: string): void {
  const filtered = Object.values(filter).some((value) => value !== undefined);
  if (target !== undefined && filtered) throw new UsageError(`give either a ${noun} or a filter, not both`);
  if (target === undefined && !filtered) throw new UsageError(`give a ${noun}, or a filter such as --status failed`);
}

async function replayPushes(args: ParsedArgs, context: CliContext, target: string | undefined): Promise<ExitCode> {
  if (stringOption(args, "session-id") !== undefined) throw new UsageError("--session-id selects DescribeTelCdr records: add --api");
  const filter = pushFilterFrom(args);
  requireTargetOrFilter(target, filter, "push uuid");
  const pushAdmin = createPushAdminService({ prisma: await context.database(), onRecordingsStored: queueMirrorJobsOnce(context) });
  if (target !== undefined) return replayOne(context, target, () => pushAdmin.replay(target));
  return replayMatching(context, "pushes", (onProgress) => pushAdmin.replayMatching(filter, onProgress));
}

async function replayApiRecords(args: ParsedArgs, context: CliContext, target: string | undefined): Promise<ExitCode> {
  if (stringOption(args, "action") !== undefined) throw new UsageError("--action selects pushes, not DescribeTelCdr records");
  const filter = recordFilterFrom(args);
  requireTargetOrFilter(target, filter, "record id");
  if (target !== undefined && !/^\d{1,19}$/.test(target)) throw new UsageError(`a DescribeTelCdr record id is a number, not ${JSON.stringify(target)}`);
  const reconcileAdmin = createReconcileAdminService(await context.database(), undefined, queueMirrorJobsOnce(context));
  if (target !== undefined) return replayOne(context, `record ${target}`, () => reconcileAdmin.replayRecord(BigInt(target)));
  return replayMatching(context, "DescribeTelCdr records", (onProgress) => reconcileAdmin.replayRecords(filter, onProgress));
}

export const replayCommand: CliCommand = {
  name: "replay",
  summary: "re-run normalization of stored pushes or DescribeTelCdr records (one, or all matching a filter)",
  help: `Usage:
  npm run cli -- replay <pushUuid>
  npm run cli -- replay --status failed [--sdk-app-id N] [--action cdr|record|voicemail]
  npm run cli -- replay --api <recordId>
  npm run cli -- replay --api --status failed|processed [--sdk-app-id N] [--session-id S]

Re-runs today's normalization over the stored raw body, as POST /admin/pushes/.../replay does: after a fix of the
code, a failed push can succeed, and the recordings it brings are queued for the mirror (when MIRROR_ENABLED). With --api, the same over the records DescribeTelCdr listed (tel_cdr_records,
POST /admin/reconcile/records/.../replay): after a fix of the schema or the mapping, a record that could not be read
can be, and a changed mapping is applied to what the API said. Idempotent. With a filter, replays every matching row
oldest first, printing progress on stderr, and ends with a summary on stdout. Exit code 1 when one still fails.`,
  options: { status: { type: "string" }, "sdk-app-id": { type: "string" }, action: { type: "string" }, "session-id": { type: "string" }, api: { type: "boolean" } },
  async run(args, context) {
    const [target, ...extra] = args.positionals;
    if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(" ")}`);
    return args.values.api ? replayApiRecords(args, context, target) : replayPushes(args, context, target);
  },
};
