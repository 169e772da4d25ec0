import { defineJob } from "../jobs/job-definition";
import { pushFilterSchema, type PushAdminService } from "./push-admin-service";

/** Bulk replay runs as a job: thousands of failed pushes must not hold an HTTP request open. */
export const replayPushesJob = defineJob({
  id: "replay-pushes",
  payload: pushFilterSchema,
  createHandler: (pushAdmin: PushAdminService) =>
    async function replayPushes(filter, { job, logger }) {
      const counts = await pushAdmin.replayMatching(filter, (done, total) => job.updateProgress({ done, total }));
      logger.info({ filter, ...counts }, "bulk replay finished");
      return counts;
    },
});
