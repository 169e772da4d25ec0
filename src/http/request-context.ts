import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestHandler } from "express";
import type { Logger } from "../logging/logger";
import type { Metrics } from "../observability/metrics";

export interface RequestContext {
  requestId: string;
  /** A child logger that names the request; made when first used. */
  readonly logger: Logger;
  /** The push the request carried, once known: on the completion line. */
  pushUuid?: string;
}

export interface RequestTracking {
  logger: Logger;
  metrics: Metrics;
}

/**
 * Gives a request an id (kept from X-Request-Id when a proxy set one) and a child logger, and writes one line and one
 * duration observation when the answer is sent, labelled with `route()` (the matched pattern, not the raw path: label
 * values must stay few). Successful requests log at debug: at hundreds of pushes per second, info would be noise.
 */
export function trackRequest(req: IncomingMessage, res: ServerResponse, { logger, metrics }: RequestTracking, route: () => string): RequestContext {
  const given = req.headers["x-request-id"];
  const requestId = (typeof given === "string" && given.slice(0, 100)) || randomUUID();
  const started = process.hrtime.bigint();
  res.setHeader("X-Request-Id", requestId);
  // a successful push writes no line at the default level, so needs no child logger
  let requestLogger: Logger | undefined;
  const context: RequestContext = {
    requestId,
    get logger() {
      return (requestLogger ??= logger.child({ requestId }));
    },
  };
  res.once("finish", () => {
    const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
    metrics.httpDuration.observe({ route: route(), method: req.method, status: String(res.statusCode) }, durationMs / 1000);
    const level = res.statusCode >= 500 ? "error" : res.statusCode >= 400 ? "warn" : "debug";
    if (!logger.isLevelEnabled(level)) return;
    const path = (req.url ?? "").split("?", 1)[0];
    context.logger[level]({ method: req.method, path, status: res.statusCode, durationMs, pushUuid: context.pushUuid }, "request completed");
  });
  return context;
}

/** trackRequest for the routes served by express: the context in res.locals (requestId, logger). */
export function requestContext(tracking: RequestTracking): RequestHandler {
  return (req, res, next) => {
    const context = trackRequest(req, res, tracking, () => (req.route as { path?: string } | undefined)?.path ?? "unmatched");
    res.locals.requestId = context.requestId;
    Object.defineProperty(res.locals, "logger", { get: () => context.logger, enumerable: true });
    next();
  };
}
