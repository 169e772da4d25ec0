import express, { type Express } from "express";
import { createAccessTokenIssuer } from "../auth/access-tokens";
import { oauthTokenRouter } from "../auth/oauth-token-router";
import { pushAuthentication } from "../auth/push-authentication";
import type { AppConfig } from "../config/env";
import type { Logger } from "../logging/logger";
import { pushRouter } from "../push-intake/push-router";
import type { PushIntakeService } from "../push-intake/push-intake-service";
import { errorHandler, notFoundHandler } from "./error-handler";
import { requestContext } from "./request-context";

export interface AppDependencies {
  config: AppConfig;
  logger: Logger;
  intake: PushIntakeService;
}

/** The HTTP layer: routing and auth only; every route hands its work to a service. */
export function createApp({ config, logger, intake }: AppDependencies): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  app.use(requestContext(logger));

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  const tokens =
    config.PUSH_AUTH === "oauth2"
      ? createAccessTokenIssuer({ secret: config.OAUTH_TOKEN_SECRET ?? "", ttlSec: config.OAUTH_TOKEN_TTL_SEC })
      : undefined;
  if (tokens) app.use(oauthTokenRouter({ id: config.OAUTH_CLIENT_ID ?? "", secret: config.OAUTH_CLIENT_SECRET ?? "" }, tokens));

  app.use(pushRouter({ intake, authenticate: pushAuthentication(config, tokens), bodyLimitBytes: config.PUSH_BODY_LIMIT_BYTES }));

  app.use(notFoundHandler);
  app.use(errorHandler(logger, config.PUSH_BODY_LIMIT_BYTES));
  return app;
}
