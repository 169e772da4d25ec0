import { Router } from "express";
import { parseBearerAuthorization, secretsEqual } from "../auth/credentials";
import { isFromThisHost, type ProxyTrust } from "../http/client-address";
import type { Metrics } from "./metrics";

/**
 * GET /metrics in Prometheus' text format. With METRICS_TOKEN, only for `Authorization: Bearer $METRICS_TOKEN`
 * (Prometheus' `authorization` scrape setting). Without it, on the service's own port only for this host (a local
 * Prometheus or agent); `open` is for METRICS_PORT, a port of its own that the operator chose to expose.
 */
export function metricsRouter(metrics: Metrics, token: string | undefined, { open = false } = {}): Router {
  const router = Router();
  router.get("/metrics", async (req, res) => {
    if (token !== undefined) {
      const given = parseBearerAuthorization(req.headers.authorization);
      if (given === undefined || !secretsEqual(given, token)) {
        res.status(401).set("WWW-Authenticate", 'Bearer realm="tccc-metrics"').type("text").send("metrics need Authorization: Bearer $METRICS_TOKEN\n");
        return;
      }
    } else if (!open && !isFromThisHost(req, req.app.get("trust proxy fn") as ProxyTrust)) {
      res.status(403).type("text").send("metrics are served to this host only: set METRICS_TOKEN, or METRICS_PORT for a port of their own\n");
      return;
    }
    res.set("Content-Type", metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
