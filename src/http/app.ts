import type { RequestListener } from "node:http";
import express, { type Express, type Router } from "express";
import { createAccessTokenIssuer } from "../auth/access-tokens";
import { oauthTokenRouter } from "../auth/oauth-token-router";
import { pushAuthentication } from "../auth/push-authentication";
import type { AppConfig } from "../config/env";
import type { Logger } from "../logging/logger";
import { healthRouter, type Probe } from "../observability/health-router";
import type { Metrics } from "../observability/metrics";
import { metricsRouter } from "../observability/metrics-router";
import { isPushRequest, pushRequestHandler } from "../push-intake/push-router";
import type { PushIntakeService } from "../push-intake/push-intake-service";
import type { ProxyTrust } from "./client-address";
import { notFoundHandler, tcccErrorHandler } from "./error-handler";
import { requestContext } from "./request-context";

export interface AppDependencies {
  config: AppConfig;
  logger: Logger;
  metrics: Metrics;
  intake: PushIntakeService;
  readinessProbes: Record<string, Probe>;
  /** Everything under /admin, with its own authentication and error answers. */
  admin: Router;
}

export interface HttpSurface {
  /** Every route but the push route. */
  app: Express;
  /** What the server is given: pushes to the push route, everything else to `app`. */
  listener: RequestListener;
}

/** The HTTP layer: routing and auth only; every route hands its work to a service. */
export function createApp({ config, logger, metrics, intake, readinessProbes, admin }: AppDependencies): HttpSurface {
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  // which proxies may tell the client's address and protocol (req.ip, req.secure): rate limits, Secure cookies, loopback rules
  app.set("trust proxy", config.TRUST_PROXY);
  app.use(requestContext({ logger, metrics }));
  const tokens =
    config.PUSH_AUTH === "oauth2"
      ? createAccessTokenIssuer({ secret: config.OAUTH_TOKEN_SECRET ?? "", ttlSec: config.OAUTH_TOKEN_TTL_SEC })
      : undefined;
  app.use(healthRouter(readinessProbes));
  // with METRICS_PORT, /metrics is served there instead
  if (config.METRICS_PORT === undefined) app.use(metricsRouter(metrics, config.METRICS_TOKEN));

  if (tokens) app.use(oauthTokenRouter({ id: config.OAUTH_CLIENT_ID ?? "", secret: config.OAUTH_CLIENT_SECRET ?? "" }, tokens, logger));

  app.use(admin);

  app.use(notFoundHandler);
  app.use(tcccErrorHandler(logger, config.PUSH_BODY_LIMIT_BYTES));

  const trust = app.get("trust proxy fn") as ProxyTrust;
  const push = pushRequestHandler({ intake, metrics, logger, authenticate: pushAuthentication(config, tokens, trust), bodyLimitBytes: config.PUSH_BODY_LIMIT_BYTES });
  return { app, listener: (req, res) => (isPushRequest(req) ? push(req, res) : app(req, res)) };
}
