import express, { Router, type ErrorRequestHandler, type RequestHandler } from "express";
import { BadRequestError, ErrCode } from "../errors/app-errors";
import { tcccErrorHandler, toAppError } from "../http/error-handler";
import type { Logger } from "../logging/logger";
import { PUSH_ACTIONS, type PushAction } from "../tccc/payloads";
import type { Metrics } from "../observability/metrics";
import type { PushIntakeService } from "./push-intake-service";

export interface PushRouterOptions {
  intake: PushIntakeService;
  metrics: Metrics;
  logger: Logger;
  authenticate: RequestHandler;
  bodyLimitBytes: number;
}

const isPushAction = (action: unknown): action is PushAction => typeof action === "string" && (PUSH_ACTIONS as readonly string[]).includes(action);

function readAction(query: unknown): PushAction {
  const action = (query as Record<string, unknown>).action;
  if (typeof action !== "string") throw new BadRequestError("query parameter action is required: cdr, record or voicemail", ErrCode.UNKNOWN_ACTION);
  if (!isPushAction(action)) {
    throw new BadRequestError(`unknown action "${action.slice(0, 40)}": expected cdr, record or voicemail`, ErrCode.UNKNOWN_ACTION);
  }
  return action;
}

/** POST /tccc/push?action=cdr|record|voicemail: the one URL configured in TCCC's console. */
export function pushRouter(options: PushRouterOptions): Router {
  const router = Router();
  // the raw bytes are kept as received, so the body is read as a Buffer whatever Content-Type says
  const rawBody = express.raw({ type: () => true, limit: options.bodyLimitBytes });

  router.post("/tccc/push", options.authenticate, rawBody, async (req, res) => {
    const action = readAction(req.query);
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const receipt = await options.intake.receive({ action, pushUuidHeader: req.get("x-tccc-push-uuid"), body });
    res.locals.pushUuid = receipt.pushUuid;
    options.metrics.pushes.inc({ action, outcome: receipt.duplicate ? "duplicate" : receipt.status, err_code: String(ErrCode.OK) });
    res.json({ ErrCode: ErrCode.OK, ErrMsg: "" });
  });

  // Every push that is not stored is counted with the ErrCode it is answered, whichever step refused it: the
  // credentials (1401), the body limit (1003), the intake (400s) or the database (1503). The action is taken from the
  // query only when it is a known one, so that label values stay few whatever a client sends.
  const countRefusal: ErrorRequestHandler = (error, req, _res, next) => {
    const answer = toAppError(error, options.bodyLimitBytes);
    const action = (req.query as Record<string, unknown>).action;
    options.metrics.pushes.inc({
      action: isPushAction(action) ? action : "unknown",
      outcome: answer.httpStatus < 500 ? "rejected" : "error",
      err_code: String(answer.errCode),
    });
    next(error);
  };
  // answered here, in TCCC's shape, whatever else is mounted after this router
  router.use("/tccc/push", countRefusal, tcccErrorHandler(options.logger, options.bodyLimitBytes));

  return router;
}
