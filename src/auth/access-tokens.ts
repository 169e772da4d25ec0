import { createHmac, randomUUID } from "node:crypto";
import { secretsEqual } from "./credentials";

/**
 * Access tokens are HS256 JWTs signed with OAUTH_TOKEN_SECRET. Being self-contained, they stay valid across restarts
 * and on every instance that shares the secret, and verifying one costs no database round trip on the push path.
 */
const AUDIENCE = "tccc-push";
const HEADER = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));

export type TokenCheck = { valid: true; clientId: string } | { valid: false; reason: string };

export interface AccessTokenIssuer {
  issue(clientId: string): { accessToken: string; expiresIn: number };
  verify(token: string): TokenCheck;
}

function base64url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}

export function createAccessTokenIssuer(options: { secret: string; ttlSec: number; now?: () => number }): AccessTokenIssuer {
  const nowSec = () => Math.floor((options.now ?? Date.now)() / 1000);
  const sign = (signingInput: string) => createHmac("sha256", options.secret).update(signingInput).digest("base64url");

  return {
    issue(clientId) {
      const issuedAt = nowSec();
      const payload = base64url(JSON.stringify({ sub: clientId, aud: AUDIENCE, iat: issuedAt, exp: issuedAt + options.ttlSec, jti: randomUUID() }));
      return { accessToken: `${HEADER}.${payload}.${sign(`${HEADER}.${payload}`)}`, expiresIn: options.ttlSec };
    },

    verify(token) {
      const [header, payload, signature, ...rest] = token.split(".");
      if (!header || !payload || !signature || rest.length > 0) return { valid: false, reason: "malformed token" };
      if (header !== HEADER || !secretsEqual(signature, sign(`${header}.${payload}`))) return { valid: false, reason: "invalid token signature" };
      let claims: { sub?: unknown; aud?: unknown; exp?: unknown };
      try {
        claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as typeof claims;
      } catch {
        return { valid: false, reason: "malformed token" };
      }
      if (claims.aud !== AUDIENCE || typeof claims.sub !== "string") return { valid: false, reason: "token not issued for pushes" };
      if (typeof claims.exp !== "number" || claims.exp <= nowSec()) return { valid: false, reason: "token expired" };
      return { valid: true, clientId: claims.sub };
    },
  };
}
