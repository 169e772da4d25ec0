import type { ServerResponse } from "node:http";
import type { ErrorRequestHandler, RequestHandler } from "express";
import { AppError, ErrCode, NotFoundError, PayloadTooLargeError, StorageUnavailableError, UnauthorizedError } from "../errors/app-errors";
import type { Logger } from "../logging/logger";
import { classifyDatabaseError, DatabaseUnavailableError } from "../persistence/database-errors";

/**
 * Maps every error to TCCC's answer shape `{ErrCode, ErrMsg}`; nothing escapes as an HTML page or a crash. The push
 * surface's own handler, and the fallback of every route that has none (health, metrics, unknown paths); /admin
 * answers RFC 9457 problems (admin-errors.ts) and /oauth/token RFC 6749 errors (oauth-token-router.ts).
 */
export function tcccErrorHandler(logger: Logger, bodyLimitBytes: number): ErrorRequestHandler {
  return (error, req, res, _next) => {
    answerInTcccShape(res, error, toAppError(error, bodyLimitBytes), (res.locals.logger as Logger | undefined) ?? logger, req.path);
  };
}

/** Logs the error and answers it as `{ErrCode, ErrMsg}`: express's handler above and the push route (push-router.ts). */
export function answerInTcccShape(res: ServerResponse, error: unknown, answer: AppError, log: Logger, path: string): void {
  if (answer.httpStatus >= 500) log.error({ err: error, path }, answer.message);
  else log.info({ errCode: answer.errCode, path, reason: answer.message }, "request rejected");
  if (res.headersSent) return;
  if (answer instanceof UnauthorizedError) res.setHeader("WWW-Authenticate", answer.challenge);
  const body = JSON.stringify({ ErrCode: answer.errCode, ErrMsg: answer.message });
  res.writeHead(answer.httpStatus, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(body) }).end(body);
}

/** The answer an error gets: its own when it is an AppError, else the one of a body-parser failure, an unavailable database (503) or a 500. */
export function toAppError(error: unknown, bodyLimitBytes: number): AppError {
  if (error instanceof AppError) return error;
  const bodyError = error as { type?: string; status?: number; message?: string };
  if (bodyError.type === "entity.too.large") return new PayloadTooLargeError(bodyLimitBytes);
  if (typeof bodyError.status === "number" && bodyError.status >= 400 && bodyError.status < 500) {
    return new AppError(bodyError.status, ErrCode.BAD_REQUEST, `request could not be read: ${bodyError.message ?? "bad request"}`);
  }
  if (classifyDatabaseError(error) instanceof DatabaseUnavailableError) return new StorageUnavailableError(error);
  return new AppError(500, ErrCode.INTERNAL, "internal error; the push was not stored, retry later", { cause: error });
}

export const notFoundHandler: RequestHandler = (req, _res, next) => next(new NotFoundError(`no route for ${req.method} ${req.path}`));
