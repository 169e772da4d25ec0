import type { IncomingMessage } from "node:http";
import type { AppConfig } from "../config/env";
import { AppError, ErrCode, UnauthorizedError } from "../errors/app-errors";
import { isFromThisHost, type ProxyTrust } from "../http/client-address";
import type { AccessTokenIssuer } from "./access-tokens";
import { parseBasicAuthorization, parseBearerAuthorization, secretMatcher } from "./credentials";

export const UNAUTHENTICATED_REMOTE_REFUSED =
  "PUSH_AUTH=none accepts pushes from this host only: set PUSH_AUTH=basic or PUSH_AUTH=oauth2 (and the same in TCCC's console), or PUSH_ALLOW_UNAUTHENTICATED_REMOTE=true to accept unauthenticated pushes from anywhere";

/** Why a push may not be taken (the error it is answered with), or undefined when it may. */
export type PushAuthenticator = (req: IncomingMessage) => AppError | undefined;

/** The check that guards POST /tccc/push, chosen by PUSH_AUTH. */
export function pushAuthentication(config: AppConfig, tokens: AccessTokenIssuer | undefined, trust: ProxyTrust): PushAuthenticator {
  switch (config.PUSH_AUTH) {
    case "none": {
      if (config.PUSH_ALLOW_UNAUTHENTICATED_REMOTE) return () => undefined;
      // Redis' protected mode: no credentials configured means this host only, and the refusal says how to change it
      const refusal = new AppError(403, ErrCode.FORBIDDEN, UNAUTHENTICATED_REMOTE_REFUSED);
      return (req) => (isFromThisHost(req, trust) ? undefined : refusal);
    }

    case "basic": {
      const expectedUser = config.PUSH_BASIC_USER ?? "";
      const expectedPassword = config.PUSH_BASIC_PASSWORD ?? "";
      const isUser = secretMatcher(expectedUser);
      const isPassword = secretMatcher(expectedPassword);
      // what TCCC sends on every push: recognised with one digest; any other spelling is parsed and compared in parts
      const isCanonicalHeader = secretMatcher(`Basic ${Buffer.from(`${expectedUser}:${expectedPassword}`, "utf8").toString("base64")}`);
      const challenge = 'Basic realm="tccc-push", charset="UTF-8"';
      return (req) => {
        if (isCanonicalHeader(req.headers.authorization ?? "")) return undefined;
        const credentials = parseBasicAuthorization(req.headers.authorization);
        if (!credentials) return new UnauthorizedError("missing or malformed Basic credentials", challenge);
        // evaluate both comparisons so timing does not tell which part was wrong
        const userOk = isUser(credentials.user);
        const passwordOk = isPassword(credentials.password);
        return userOk && passwordOk ? undefined : new UnauthorizedError("invalid username or password", challenge);
      };
    }

    case "oauth2": {
      if (!tokens) throw new Error("PUSH_AUTH=oauth2 needs an access token issuer");
      return (req) => {
        const token = parseBearerAuthorization(req.headers.authorization);
        if (!token) return new UnauthorizedError("missing Bearer token", 'Bearer realm="tccc-push"');
        const check = tokens.verify(token);
        return check.valid ? undefined : new UnauthorizedError(check.reason, `Bearer realm="tccc-push", error="invalid_token"`);
      };
    }
  }
}
