import express, { Router } from "express";
import { z } from "zod";
import { validate } from "../http/validate";
import type { JobQueues } from "../jobs/job-queues";
import { adminAuthentication } from "./admin-auth";
import { pushFilterSchema, type PushAdminService } from "./push-admin-service";
import type { replayPushesJob } from "./replay-pushes-job";

export interface AdminRouterOptions {
  adminToken: string | undefined;
  pushAdmin: PushAdminService;
  jobs: JobQueues;
  replayJob: ReturnType<typeof replayPushesJob>;
}

const listPushesQuery = pushFilterSchema.extend({ limit: z.coerce.number().int().min(1).max(1000).default(100) });
const pushUuidParams = z.object({ pushUuid: z.string().min(1).max(200) });

/** The admin JSON API. Every route sits behind the admin token; routes validate input and call a service. */
export function adminApiRouter(options: AdminRouterOptions): Router {
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

  return router;
}
