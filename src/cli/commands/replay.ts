import { createPushAdminService, pushFilterSchema, type PushFilter } from "../../admin/push-admin-service";
import { NotFoundError } from "../../errors/app-errors";
import { stringOption, type ParsedArgs } from "../args";
import type { CliContext } from "../cli-context";
import type { CliCommand } from "../command";
import { ExitCode, UsageError } from "../exit-codes";

function filterFrom(args: ParsedArgs): PushFilter {
  const parsed = pushFilterSchema.safeParse({ status: stringOption(args, "status"), action: stringOption(args, "action"), sdkAppId: stringOption(args, "sdk-app-id") });
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => `--${String(issue.path[0]).replace("sdkAppId", "sdk-app-id")}: ${issue.message}`).join("; "));
  return parsed.data;
}

async function replayOne(context: CliContext, pushUuid: string): Promise<ExitCode> {
  const pushAdmin = createPushAdminService({ prisma: await context.database() });
  try {
    const outcome = await pushAdmin.replay(pushUuid);
    context.out.result(outcome.status === "processed" ? `${pushUuid}: processed` : `${pushUuid}: failed: ${outcome.error}`);
    return outcome.status === "processed" ? ExitCode.OK : ExitCode.FAILED;
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    context.out.note(error.message);
    return ExitCode.FAILED;
  }
}

/** In this process rather than as the admin API's job: the operator sees the progress and the outcome. */
async function replayMatching(context: CliContext, filter: PushFilter): Promise<ExitCode> {
  const pushAdmin = createPushAdminService({ prisma: await context.database() });
  const counts = await pushAdmin.replayMatching(filter, async (done, total) => context.out.note(`replayed ${done}/${total}`));
  context.out.result(`replayed ${counts.replayed} pushes: ${counts.processed} processed, ${counts.failed} still failed`);
  return counts.failed > 0 ? ExitCode.FAILED : ExitCode.OK;
}

export const replayCommand: CliCommand = {
  name: "replay",
  summary: "re-run normalization of stored pushes (one, or all matching a filter)",
  help: `Usage:
  npm run cli -- replay <pushUuid>
  npm run cli -- replay --status failed [--sdk-app-id N] [--action cdr|record|voicemail]

Re-runs today's normalization over the stored raw body, as POST /admin/pushes/.../replay does: after a fix of the
code, a failed push can succeed. Idempotent. With a filter, replays every matching push oldest first, printing
progress on stderr, and ends with a summary on stdout. Exit code 1 when a push still fails.`,
  options: { status: { type: "string" }, "sdk-app-id": { type: "string" }, action: { type: "string" } },
  async run(args, context) {
    const [pushUuid, ...extra] = args.positionals;
    const filter = filterFrom(args);
    const filtered = Object.values(filter).some((value) => value !== undefined);
    if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(" ")}`);
    if (pushUuid !== undefined && filtered) throw new UsageError("give either a push uuid or a filter, not both");
    if (pushUuid !== undefined) return replayOne(context, pushUuid);
    if (!filtered) throw new UsageError("give a push uuid, or a filter such as --status failed");
    return replayMatching(context, filter);
  },
};
