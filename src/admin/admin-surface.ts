import { Router } from "express";
import helmet from "helmet";
import type { AppConfig } from "../config/env";
import type { JobQueues } from "../jobs/job-queues";
import type { Logger } from "../logging/logger";
import type { Database } from "../persistence/database";
import type { AdminAccess } from "./admin-auth";
import { adminErrorHandler, adminNotFound } from "./admin-errors";
import { adminApiRouter } from "./admin-router";
import { createAdminSessionStore } from "./admin-sessions";
import { adminPageRouter } from "./page/admin-page-router";
import type { PushAdminService } from "./push-admin-service";
import { queueBoardRouter } from "./queue-board-router";
import type { ReconcileAdminService } from "./reconcile-admin-service";
import type { RecordingAdminService } from "./recording-admin-service";

export interface AdminSurfaceOptions {
  config: Pick<AppConfig, "ADMIN_TOKEN" | "ADMIN_SESSION_TTL_SEC" | "ADMIN_SIGNIN_MAX_ATTEMPTS" | "ADMIN_SIGNIN_WINDOW_SEC">;
  prisma: Database;
  logger: Logger;
  pushAdmin: PushAdminService;
  reconcileAdmin: ReconcileAdminService;
  recordingAdmin: RecordingAdminService;
  jobs: JobQueues;
  /** Queues the page and the board show. */
  queueIds: string[];
}

/**
 * Everything under /admin: the page, the queue board and the JSON API, with the security headers browsers need and
 * one error handler, so that no admin answer ever takes the shape of a push answer.
 */
export function adminSurface(options: AdminSurfaceOptions): Router {
  const { config, prisma, logger, jobs, queueIds } = options;
  const access: AdminAccess | undefined = config.ADMIN_TOKEN
    ? { adminToken: config.ADMIN_TOKEN, sessions: createAdminSessionStore({ prisma, adminToken: config.ADMIN_TOKEN, ttlSec: config.ADMIN_SESSION_TTL_SEC }) }
    : undefined;

  const router = Router();
  router.use(
    "/admin",
    helmet({
      contentSecurityPolicy: {
        directives: {
          // the page posts forms to itself and is never framed; the queue board loads its own scripts, and nothing is
          // fetched from elsewhere (the board's web font is not needed: its text falls back to the system's)
          "frame-ancestors": ["'none'"],
          "form-action": ["'self'"],
          "style-src": ["'self'", "'unsafe-inline'"],
          "font-src": ["'self'", "data:"],
          // the service may be reached over plain HTTP on loopback: upgrading would break the page there
          "upgrade-insecure-requests": null,
        },
      },
      frameguard: { action: "deny" },
      // browsers then send Origin on our own form posts, which the same-origin check reads
      referrerPolicy: { policy: "same-origin" },
    }),
    (_req, res, next) => {
      res.set("Cache-Control", "no-store");
      next();
    },
  );
  router.use(
    adminPageRouter({
      access,
      signInLimit: { maxAttempts: config.ADMIN_SIGNIN_MAX_ATTEMPTS, windowSec: config.ADMIN_SIGNIN_WINDOW_SEC },
      pushAdmin: options.pushAdmin,
      reconcileAdmin: options.reconcileAdmin,
      recordingAdmin: options.recordingAdmin,
      jobs,
      queueIds,
    }),
  );
  router.use(queueBoardRouter(access, jobs, queueIds));
  router.use(adminApiRouter({ access, pushAdmin: options.pushAdmin, reconcileAdmin: options.reconcileAdmin, recordingAdmin: options.recordingAdmin, jobs }));
  router.use("/admin", adminNotFound);
  router.use("/admin", adminErrorHandler(logger));
  return router;
}
