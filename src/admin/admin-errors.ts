import { STATUS_CODES } from "node:http";
import type { ErrorRequestHandler, Request, RequestHandler } from "express";
import { z } from "zod";
import { AppError, NotFoundError, UnauthorizedError } from "../errors/app-errors";
import type { Logger } from "../logging/logger";
import { classifyDatabaseError, DatabaseUnavailableError } from "../persistence/database-errors";
import { errorPage } from "./page/views";

/**
 * The admin surface's own error answers: RFC 9457 problem details, not TCCC's push answer (an admin must never be
 * told that "the push was not stored", nor be given the push body limit). A browser that asked for HTML gets the same
 * words on a page.
 */
export const adminProblemSchema = z
  .object({
    type: z.literal("about:blank"),
    title: z.string().meta({ description: "the HTTP status' reason phrase" }),
    status: z.number().int(),
    detail: z.string().meta({ description: "what is wrong, and where it helps, what to do" }),
  })
  .meta({ id: "Problem", description: "RFC 9457 problem details" });
export type AdminProblem = z.infer<typeof adminProblemSchema>;

export const ADMIN_PROBLEM_CONTENT_TYPE = "application/problem+json";

export function adminProblem(status: number, detail: string): AdminProblem {
  return { type: "about:blank", title: STATUS_CODES[status] ?? "Error", status, detail };
}

function toAdminProblem(error: unknown, requestId: string | undefined): AdminProblem {
  if (error instanceof AppError) return adminProblem(error.httpStatus, error.message);
  // what express's body parsers throw: a status, a type and, when the body was too large, the limit
  const bodyError = error as { type?: string; status?: number; limit?: number; message?: string };
  if (bodyError.type === "entity.too.large") return adminProblem(413, `request body is larger than the admin API's limit of ${bodyError.limit} bytes`);
  if (typeof bodyError.status === "number" && bodyError.status >= 400 && bodyError.status < 500) {
    return adminProblem(bodyError.status, `request could not be read: ${bodyError.message ?? "bad request"}`);
  }
  if (classifyDatabaseError(error) instanceof DatabaseUnavailableError) return adminProblem(503, "PostgreSQL is unavailable: nothing was read or changed; retry later");
  return adminProblem(500, `internal error (request id ${requestId ?? "unknown"}); the details are in the service's log`);
}

const prefersHtml = (req: Request) => req.accepts(["json", "html"]) === "html";

export function adminErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const problem = toAdminProblem(error, res.locals.requestId as string | undefined);
    const log = (res.locals.logger as Logger | undefined) ?? logger;
    if (problem.status >= 500) log.error({ err: error, path: req.originalUrl }, "admin request failed");
    else log.info({ status: problem.status, path: req.originalUrl, reason: problem.detail }, "admin request rejected");
    if (res.headersSent) return;
    if (error instanceof UnauthorizedError) res.set("WWW-Authenticate", error.challenge);
    res.status(problem.status).set("Cache-Control", "no-store");
    if (prefersHtml(req)) res.type("html").send(errorPage(problem.title, problem.detail).text);
    else res.type(ADMIN_PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
  };
}

export const adminNotFound: RequestHandler = (req, _res, next) => next(new NotFoundError(`no admin route for ${req.method} ${req.baseUrl}${req.path}`));
