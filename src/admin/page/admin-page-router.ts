import express, { Router, type Request, type Response } from "express";
import { rateLimit } from "express-rate-limit";
import { z } from "zod";
import { secretsEqual } from "../../auth/credentials";
import { AppError } from "../../errors/app-errors";
import { requireSameOrigin } from "../../http/same-origin";
import { validate } from "../../http/validate";
import type { JobQueues } from "../../jobs/job-queues";
import { ADMIN_COOKIE_PATH, ADMIN_SESSION_COOKIE, checkAdmin, readCookie, type AdminAccess } from "../admin-auth";
import type { PushAdminService } from "../push-admin-service";
import type { ReconcileAdminService } from "../reconcile-admin-service";
import type { RecordingAdminService } from "../recording-admin-service";
import { replayPushesJob } from "../replay-pushes-job";
import type { Html } from "./html";
import { dashboardPage, loginPage } from "./views";

export interface AdminPageOptions {
  access: AdminAccess | undefined;
  /** Failed sign-ins allowed per client address and window, in this process. */
  signInLimit: { maxAttempts: number; windowSec: number };
  pushAdmin: PushAdminService;
  reconcileAdmin: ReconcileAdminService;
  jobs: JobQueues;
  recordingAdmin: RecordingAdminService;
  /** Queues whose depths the page shows. */
  queueIds: string[];
}

const LEGACY_TOKEN_COOKIE = "tccc_admin";

const reconcileForm = z.object({
  sdkAppId: z.coerce.number().int().positive(),
  // datetime-local inputs carry no zone: the form says they are UTC
  from: z.string().min(1).transform((text) => new Date(`${text}Z`)),
  to: z.string().min(1).transform((text) => new Date(`${text}Z`)),
});

function send(res: Response, page: Html, status = 200): void {
  res.status(status).type("html").set("Cache-Control", "no-store").send(page.text);
}

/** Post/redirect/get: every action answers with a redirect to the page, carrying a one-line notice. */
function backToPage(res: Response, notice: string): void {
  res.redirect(303, `/admin?notice=${encodeURIComponent(notice)}`);
}

/** The server-rendered admin page at /admin, over the same services as the admin API. */
export function adminPageRouter(options: AdminPageOptions): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: "16kb" });

  const { access, signInLimit } = options;
  // secure: req.secure, which follows X-Forwarded-Proto from a proxy that TRUST_PROXY trusts
  const cookieOptions = (req: Request) => ({ httpOnly: true, sameSite: "strict" as const, path: ADMIN_COOKIE_PATH, secure: req.secure });
  const signInLimiter = rateLimit({
    windowMs: signInLimit.windowSec * 1000,
    limit: signInLimit.maxAttempts,
    // only failures count: a sign-in answers 303 when it works
    skipSuccessfulRequests: true,
    standardHeaders: "draft-8",
    legacyHeaders: false,
    handler: (_req, res) => send(res, loginPage(`Too many failed sign-ins from your address: try again in ${Math.ceil(signInLimit.windowSec / 60)} minutes.`), 429),
  });

  router.get("/admin/login", (_req, res) => send(res, loginPage()));

  router.post("/admin/login", signInLimiter, requireSameOrigin, form, async (req, res) => {
    if (!access) return send(res, loginPage("The admin page is disabled: set ADMIN_TOKEN."), 403);
    const token = typeof req.body?.token === "string" ? req.body.token : "";
    if (!secretsEqual(token, access.adminToken)) return send(res, loginPage("That token is not the admin token."), 401);
    const session = await access.sessions.open();
    res.cookie(ADMIN_SESSION_COOKIE, session.id, { ...cookieOptions(req), maxAge: access.sessions.ttlSec * 1000 });
    // earlier versions kept the token itself in this cookie: it is no longer read, and must not stay in the browser
    res.clearCookie(LEGACY_TOKEN_COOKIE, cookieOptions(req));
    return res.redirect(303, "/admin");
  });

  // signing out needs no valid session (it may have expired), but must come from our page: no one else may sign us out
  router.post("/admin/logout", requireSameOrigin, async (req, res) => {
    const sessionId = readCookie(req.headers.cookie, ADMIN_SESSION_COOKIE);
    if (sessionId !== undefined) await access?.sessions.revoke(sessionId);
    res.clearCookie(ADMIN_SESSION_COOKIE, cookieOptions(req));
    res.clearCookie(LEGACY_TOKEN_COOKIE, cookieOptions(req));
    res.redirect(303, "/admin/login");
  });

  // a person without a session is sent to the login form; an API client gets the error
  const requireAdmin = async (req: Request, res: Response, next: (error?: unknown) => void) => {
    const check = await checkAdmin(req, access);
    if (check.ok) return next();
    if (req.method === "GET" && req.accepts(["html", "json"]) === "html" && (check.error as AppError).httpStatus === 401) return res.redirect(303, "/admin/login");
    return next(check.error);
  };

  router.get("/admin", requireAdmin, async (req, res) => {
    const [failedPushes, failedRecordings, runs, queueDepths] = await Promise.all([
      options.pushAdmin.list({ status: "failed" }, 100),
      options.recordingAdmin.listFailed(100),
      options.reconcileAdmin.listRuns({}, 30),
      options.jobs.depths(options.queueIds).catch(() => ({})),
    ]);
    const notice = typeof req.query.notice === "string" ? req.query.notice.slice(0, 300) : undefined;
    send(res, dashboardPage({ failedPushes, failedRecordings, runs, reconciliationEnabled: options.reconcileAdmin.enabled, queueDepths, notice }));
  });

  router.post("/admin/ui/pushes/replay-failed", requireAdmin, async (_req, res) => {
    const job = await options.jobs.enqueue(replayPushesJob, { status: "failed" });
    backToPage(res, `Replay of all failed pushes queued as job ${job.id}.`);
  });

  router.post("/admin/ui/pushes/:pushUuid/replay", requireAdmin, async (req, res) => {
    const pushUuid = String(req.params.pushUuid);
    const outcome = await options.pushAdmin.replay(pushUuid);
    backToPage(res, outcome.status === "processed" ? `Push ${pushUuid} replayed: processed.` : `Push ${pushUuid} still fails: ${outcome.error}`);
  });

  router.post("/admin/ui/recordings/:id/mirror", requireAdmin, async (req, res) => {
    const id = String(req.params.id);
    if (!/^\d{1,19}$/.test(id)) return backToPage(res, `No recording ${id}.`);
    await options.recordingAdmin.remirror(BigInt(id));
    return backToPage(res, `Recording ${id} queued for the mirror again.`);
  });

  router.post("/admin/ui/reconcile", requireAdmin, form, async (req, res) => {
    const { sdkAppId, from, to } = validate(reconcileForm, req.body, "form");
    const runIds = await options.reconcileAdmin.requestRange(sdkAppId, from, to);
    backToPage(res, `Reconciliation of app ${sdkAppId} queued: runs ${runIds.join(", ")}.`);
  });

  return router;
}
