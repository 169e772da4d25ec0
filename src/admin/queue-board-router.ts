import { createBullBoard } from "@bull-board/api";
import { ExpressAdapter } from "@bull-board/express";
import { Router } from "express";
import type { JobQueues } from "../jobs/job-queues";
import { adminAuthentication, type AdminAccess } from "./admin-auth";

/** bull-board at /admin/queues, behind the admin token like every admin route. */
export function queueBoardRouter(access: AdminAccess | undefined, jobs: JobQueues, queueIds: string[]): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath("/admin/queues");
  createBullBoard({ queues: jobs.boardAdapters(queueIds), serverAdapter });
  const router = Router();
  router.use("/admin/queues", adminAuthentication(access), serverAdapter.getRouter());
  return router;
}
