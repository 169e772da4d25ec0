import express, { Router } from "express";
import { z } from "zod";
import { validate } from "../http/validate";
import type { JobQueues } from "../jobs/job-queues";
import { adminAuthentication } from "./admin-auth";
import { pushFilterSchema, type PushAdminService } from "./push-admin-service";
import { telCdrRecordFilterSchema, type ReconcileAdminService } from "./reconcile-admin-service";
import type { RecordingAdminService } from "./recording-admin-service";
import type { replayPushesJob } from "./replay-pushes-job";
import type { replayTelCdrRecordsJob } from "./replay-tel-cdr-records-job";

export interface AdminApiOptions {
  adminToken: string | undefined;
  pushAdmin: PushAdminService;
  reconcileAdmin: ReconcileAdminService;
  recordingAdmin: RecordingAdminService;
  jobs: JobQueues;
  replayJob: ReturnType<typeof replayPushesJob>;
  replayTelCdrJob: ReturnType<typeof replayTelCdrRecordsJob>;
}

const listPushesQuery = pushFilterSchema.extend({ limit: z.coerce.number().int().min(1).max(1000).default(100) });
const pushUuidParams = z.object({ pushUuid: z.string().min(1).max(200) });

/** Unix seconds or an ISO 8601 date. */
const instant = z.union([z.number().int().nonnegative().transform((seconds) => new Date(seconds * 1000)), z.iso.datetime({ offset: true }).transform((text) => new Date(text))]);
const reconcileBody = z.object({ sdkAppId: z.coerce.number().int().positive(), from: instant, to: instant }).strict();
const recordingParams = z.object({ id: z.string().regex(/^\d{1,19}$/, "must be a recording id").transform(BigInt) });
const listRecordingsQuery = z.object({ status: z.literal("failed").default("failed"), limit: z.coerce.number().int().min(1).max(1000).default(100) });

const listTelCdrRecordsQuery = telCdrRecordFilterSchema.extend({ limit: z.coerce.number().int().min(1).max(1000).default(100) });
const telCdrRecordParams = z.object({ id: z.string().regex(/^\d{1,19}$/, "must be a record id").transform(BigInt) });

const listRunsQuery = z.object({
  sdkAppId: z.string().regex(/^\d{1,19}$/, "must be a number").transform(BigInt).optional(),
  status: z.enum(["queued", "running", "succeeded", "failed"]).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

/** The admin JSON API: routes validate input and call a service. Mounted behind the admin token. */
export function adminApiRouter(options: AdminApiOptions): Router {
  const router = Router();
  router.use("/admin", adminAuthentication(options.adminToken), express.json({ limit: "64kb" }));

  router.get("/admin/pushes", async (req, res) => {
    const { limit, ...filter } = validate(listPushesQuery, req.query, "query");
    res.json({ pushes: await options.pushAdmin.list(filter, limit) });
  });

  router.post("/admin/pushes/replay", async (req, res) => {
    const filter = validate(pushFilterSchema.strict(), req.body ?? {}, "body");
    const job = await options.jobs.enqueue(options.replayJob, filter);
    res.status(202).json({ jobId: job.id, filter });
  });

  router.post("/admin/pushes/:pushUuid/replay", async (req, res) => {
    const { pushUuid } = validate(pushUuidParams, req.params, "path");
    const { status, error } = await options.pushAdmin.replay(pushUuid);
    res.json({ pushUuid, status, error });
  });

  router.post("/admin/reconcile", async (req, res) => {
    const { sdkAppId, from, to } = validate(reconcileBody, req.body ?? {}, "body");
    res.status(202).json({ runIds: await options.reconcileAdmin.requestRange(sdkAppId, from, to) });
  });

  router.get("/admin/reconcile/runs", async (req, res) => {
    const { limit, ...filter } = validate(listRunsQuery, req.query, "query");
    res.json({ runs: await options.reconcileAdmin.listRuns(filter, limit) });
  });

  router.get("/admin/reconcile/records", async (req, res) => {
    const { limit, ...filter } = validate(listTelCdrRecordsQuery, req.query, "query");
    res.json({ records: await options.reconcileAdmin.listRecords(filter, limit) });
  });

  router.post("/admin/reconcile/records/replay", async (req, res) => {
    const filter = validate(telCdrRecordFilterSchema.strict(), req.body ?? {}, "body");
    const job = await options.jobs.enqueue(options.replayTelCdrJob, filter);
    res.status(202).json({ jobId: job.id, filter });
  });

  router.post("/admin/reconcile/records/:id/replay", async (req, res) => {
    const { id } = validate(telCdrRecordParams, req.params, "path");
    const { status, error } = await options.reconcileAdmin.replayRecord(id);
    res.json({ id: id.toString(), status, error });
  });

  router.get("/admin/recordings", async (req, res) => {
    const { limit } = validate(listRecordingsQuery, req.query, "query");
    res.json({ recordings: await options.recordingAdmin.listFailed(limit) });
  });

  router.post("/admin/recordings/:id/mirror", async (req, res) => {
    const { id } = validate(recordingParams, req.params, "path");
    await options.recordingAdmin.remirror(id);
    res.status(202).json({ recordingId: id.toString(), mirrorStatus: "pending" });
  });

  return router;
}
