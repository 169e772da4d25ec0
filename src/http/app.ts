import express, { type Express, type Router } from "express";
import { createAccessTokenIssuer } from "../auth/access-tokens";
import { oauthTokenRouter } from "../auth/oauth-token-router";
import { pushAuthentication } from "../auth/push-authentication";
import type { AppConfig } from "../config/env";
import type { Logger } from "../logging/logger";
import { healthRouter, type Probe } from "../observability/health-router";
import type { Metrics } from "../observability/metrics";
import { pushRouter } from "../push-intake/push-router";
import type { PushIntakeService } from "../push-intake/push-intake-service";
import { errorHandler, notFoundHandler } from "./error-handler";
import { requestContext } from "./request-context";

export interface AppDependencies {
  config: AppConfig;
  logger: Logger;
  metrics: Metrics;
  intake: PushIntakeService;
  readinessProbes: Record<string, Probe>;
  /** Routers of the admin capability, mounted behind their own authentication. */
  adminRouters: Router[];
}

/** The HTTP layer: routing and auth only; every route hands its work to a service. */
export function createApp({ config, logger, metrics, intake, readinessProbes, adminRouters }: AppDependencies): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  app.use(requestContext(logger, metrics));
  app.use(healthRouter(readinessProbes, metrics));

  const tokens =
    config.PUSH_AUTH === "oauth2"
      ? createAccessTokenIssuer({ secret: config.OAUTH_TOKEN_SECRET ?? "", ttlSec: config.OAUTH_TOKEN_TTL_SEC })
      : undefined;
  if (tokens) app.use(oauthTokenRouter({ id: config.OAUTH_CLIENT_ID ?? "", secret: config.OAUTH_CLIENT_SECRET ?? "" }, tokens));

  app.use(pushRouter({ intake, metrics, authenticate: pushAuthentication(config, tokens), bodyLimitBytes: config.PUSH_BODY_LIMIT_BYTES }));
  for (const router of adminRouters) app.use(router);

  app.use(notFoundHandler);
  app.use(errorHandler(logger, config.PUSH_BODY_LIMIT_BYTES));
  return app;
}
