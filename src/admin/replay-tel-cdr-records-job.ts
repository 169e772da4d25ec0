import { defineJob } from "../jobs/job-definition";
import { telCdrRecordFilterSchema, type ReconcileAdminService } from "./reconcile-admin-service";

/** Bulk replay of stored DescribeTelCdr records runs as a job, like that of pushes: it may take a while. */
export const replayTelCdrRecordsJob = defineJob({
  id: "replay-tel-cdr-records",
  payload: telCdrRecordFilterSchema,
  createHandler: (reconcileAdmin: ReconcileAdminService) =>
    async function replayTelCdrRecords(filter, { job, logger }) {
      const counts = await reconcileAdmin.replayRecords(filter, (done, total) => job.updateProgress({ done, total }));
      logger.info({ filter, ...counts }, "bulk replay of DescribeTelCdr records finished");
      return counts;
    },
});
