import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";
import type { Logger } from "../logging/logger";
import type { Metrics } from "../observability/metrics";

/**
 * Gives each request an id (kept from X-Request-Id when a proxy set one) and a child logger, and writes one line when
 * the answer is sent. Successful pushes log at debug: at hundreds per second, info would be noise.
 */
export function requestContext(logger: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const requestId = req.get("x-request-id")?.slice(0, 100) || randomUUID();
    const started = process.hrtime.bigint();
    res.set("X-Request-Id", requestId);
    res.locals.requestId = requestId;
    // made when a line is written: a successful push writes none at the default level
    let requestLogger: Logger | undefined;
    Object.defineProperty(res.locals, "logger", { get: () => (requestLogger ??= logger.child({ requestId })), enumerable: true });
    res.on("finish", () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      // the matched route pattern, not the raw path: label values must stay few
      const route = (req.route as { path?: string } | undefined)?.path ?? "unmatched";
      metrics.httpDuration.observe({ route, method: req.method, status: String(res.statusCode) }, durationMs / 1000);
      const level = res.statusCode >= 500 ? "error" : res.statusCode >= 400 ? "warn" : "debug";
      if (!logger.isLevelEnabled(level)) return;
      const line = { method: req.method, path: req.path, status: res.statusCode, durationMs, pushUuid: res.locals.pushUuid as string | undefined };
      (res.locals.logger as Logger)[level](line, "request completed");
    });
    next();
  };
}
