import express, { Router, type ErrorRequestHandler, type Response } from "express";
import type { Logger } from "../logging/logger";
import type { AccessTokenIssuer } from "./access-tokens";
import { parseBasicAuthorization, secretsEqual } from "./credentials";

/**
 * RFC 6749 section 4.4: client credentials grant. TCCC's console is given this URL with a ClientID and ClientSecret and
 * asks it for a token before pushing. Errors use RFC 6749 section 5.2 bodies, not TCCC's ErrCode shape.
 */
export function oauthTokenRouter(client: { id: string; secret: string }, tokens: AccessTokenIssuer, logger: Logger): Router {
  const router = Router();
  const parsers = [express.urlencoded({ extended: false, limit: "16kb" }), express.json({ limit: "16kb" })];

  router.post("/oauth/token", ...parsers, (req, res) => {
    res.set({ "Cache-Control": "no-store", Pragma: "no-cache" });
    const body: Record<string, unknown> = req.body && typeof req.body === "object" && !Array.isArray(req.body) ? req.body : {};
    const field = (name: string) => (typeof body[name] === "string" ? (body[name] as string) : undefined);

    const fromHeader = parseBasicAuthorization(req.headers.authorization);
    const fromBody = field("client_id") !== undefined || field("client_secret") !== undefined;
    if (fromHeader && fromBody) return oauthError(res, 400, "invalid_request", "use one client authentication method, not both");
    // RFC 6749 2.3.1: the Basic credentials are form-urlencoded before being base64-encoded
    const id = fromHeader ? decodeFormComponent(fromHeader.user) : field("client_id");
    const secret = fromHeader ? decodeFormComponent(fromHeader.password) : field("client_secret");

    if (id === undefined || secret === undefined) {
      return oauthError(res, 401, "invalid_client", "client authentication is required", true);
    }
    const idOk = secretsEqual(id, client.id);
    const secretOk = secretsEqual(secret, client.secret);
    if (!idOk || !secretOk) return oauthError(res, 401, "invalid_client", "unknown client or wrong secret", Boolean(fromHeader));

    const grantType = field("grant_type");
    if (grantType === undefined) return oauthError(res, 400, "invalid_request", "grant_type is required");
    if (grantType !== "client_credentials") {
      return oauthError(res, 400, "unsupported_grant_type", "only grant_type=client_credentials is supported");
    }
    const { accessToken, expiresIn } = tokens.issue(id);
    return res.status(200).json({ access_token: accessToken, token_type: "Bearer", expires_in: expiresIn });
  });

  // every error of this surface is answered the RFC 6749 way: a body the parsers reject (malformed JSON, too large)
  // as invalid_request, anything else as server_error, never in TCCC's push shape
  router.use("/oauth/token", ((error, _req, res, _next) => {
    const status = (error as { status?: number }).status;
    if (typeof status === "number" && status >= 400 && status < 500) {
      return oauthError(res, status === 413 ? 413 : 400, "invalid_request", `request body could not be read: ${(error as Error).message}`);
    }
    ((res.locals.logger as Logger | undefined) ?? logger).error({ err: error }, "token request failed");
    if (!res.headersSent) oauthError(res, 500, "server_error", "internal error; retry later");
  }) as ErrorRequestHandler);

  return router;
}

function decodeFormComponent(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, " "));
  } catch {
    return value;
  }
}

function oauthError(res: Response, status: number, error: string, description: string, challenge = false): Response {
  if (challenge) res.set("WWW-Authenticate", 'Basic realm="oauth"');
  return res.status(status).json({ error, error_description: description });
}
