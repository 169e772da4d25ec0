import { createRecordingAdminService } from "../../admin/recording-admin-service";
import { NotFoundError, ConflictError } from "../../errors/app-errors";
import { queueMirrorJobs } from "../../recording-mirror/mirror-jobs";
import { stringOption } from "../args";
import type { CliContext } from "../cli-context";
import type { CliCommand } from "../command";
import { ExitCode, UsageError } from "../exit-codes";

async function recordingAdmin(context: CliContext) {
  const [prisma, jobs] = await Promise.all([context.database(), context.jobs()]);
  // asked for by name: queued even while this configuration has the mirror off, for the workers that have it on
  return createRecordingAdminService(prisma, (ids) => queueMirrorJobs(jobs, { ...context.config, MIRROR_ENABLED: true }, ids));
}

export const remirrorCommand: CliCommand = {
  name: "remirror",
  summary: "send recordings to the mirror again (one, or every failed one)",
  help: `Usage:
  npm run cli -- remirror <recordingId>
  npm run cli -- remirror --status failed

Resets the track to pending with its attempts at zero and queues a mirror job, as POST /admin/recordings/:id/mirror
does; the service's workers do the copy. Exit code 1 when the recording does not exist or is being mirrored now.`,
  options: { status: { type: "string" } },
  async run(args, context) {
    const [recordingId, ...extra] = args.positionals;
    const status = stringOption(args, "status");
    if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(" ")}`);
    if (status !== undefined && status !== "failed") throw new UsageError("--status: only failed is supported");
    if ((recordingId === undefined) === (status === undefined)) throw new UsageError("give a recording id, or --status failed");

    const admin = await recordingAdmin(context);
    if (status) {
      const counts = await admin.remirrorFailed(async (done) => context.out.note(`requeued ${done}`));
      context.out.result(`queued ${counts.queued} recordings for the mirror; ${counts.inProgress} were being mirrored already`);
      return ExitCode.OK;
    }
    if (!/^\d{1,19}$/.test(recordingId as string)) throw new UsageError(`not a recording id: ${recordingId}`);
    try {
      await admin.remirror(BigInt(recordingId as string));
      context.out.result(`recording ${recordingId}: queued for the mirror`);
      return ExitCode.OK;
    } catch (error) {
      if (!(error instanceof NotFoundError || error instanceof ConflictError)) throw error;
      context.out.note(error.message);
      return ExitCode.FAILED;
    }
  },
};
