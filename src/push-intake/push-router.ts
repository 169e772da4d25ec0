import express, { Router, type RequestHandler } from "express";
import { BadRequestError, ErrCode } from "../errors/app-errors";
import { PUSH_ACTIONS, type PushAction } from "../tccc/payloads";
import type { Metrics } from "../observability/metrics";
import type { PushIntakeService } from "./push-intake-service";

export interface PushRouterOptions {
  intake: PushIntakeService;
  metrics: Metrics;
  authenticate: RequestHandler;
  bodyLimitBytes: number;
}

function readAction(query: unknown): PushAction {
  const action = (query as Record<string, unknown>).action;
  if (typeof action !== "string") throw new BadRequestError("query parameter action is required: cdr, record or voicemail", ErrCode.UNKNOWN_ACTION);
  if (!(PUSH_ACTIONS as readonly string[]).includes(action)) {
    throw new BadRequestError(`unknown action "${action.slice(0, 40)}": expected cdr, record or voicemail`, ErrCode.UNKNOWN_ACTION);
  }
  return action as PushAction;
}

/** POST /tccc/push?action=cdr|record|voicemail: the one URL configured in TCCC's console. */
export function pushRouter(options: PushRouterOptions): Router {
  const router = Router();
  // the raw bytes are kept as received, so the body is read as a Buffer whatever Content-Type says
  const rawBody = express.raw({ type: () => true, limit: options.bodyLimitBytes });

  router.post("/tccc/push", options.authenticate, rawBody, async (req, res) => {
    let action: PushAction | undefined;
    try {
      action = readAction(req.query);
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const receipt = await options.intake.receive({ action, pushUuidHeader: req.get("x-tccc-push-uuid"), body });
      res.locals.pushUuid = receipt.pushUuid;
      options.metrics.pushes.inc({ action, outcome: receipt.duplicate ? "duplicate" : receipt.status });
      res.json({ ErrCode: ErrCode.OK, ErrMsg: "" });
    } catch (error) {
      options.metrics.pushes.inc({ action: action ?? "unknown", outcome: "rejected" });
      throw error;
    }
  });

  return router;
}
