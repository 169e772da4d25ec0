import type { Request, RequestHandler } from "express";
import { parseBearerAuthorization, secretsEqual } from "../auth/credentials";
import { AppError, ErrCode, UnauthorizedError } from "../errors/app-errors";

/**
 * Every /admin route needs `Authorization: Bearer $ADMIN_TOKEN`, separate from the push credentials. Browsers cannot
 * send a bearer header on navigation, so the admin page's login form stores the token in an HttpOnly, SameSite=Strict
 * cookie that is checked the same way; state-changing requests carrying only the cookie must also come from our own
 * origin.
 */
export const ADMIN_COOKIE = "tccc_admin";

export type AdminCheck = { ok: true } | { ok: false; error: AppError };

export function checkAdmin(req: Request, adminToken: string | undefined): AdminCheck {
  if (!adminToken) return { ok: false, error: new AppError(403, ErrCode.FORBIDDEN, "admin API disabled: set ADMIN_TOKEN") };
  const bearer = parseBearerAuthorization(req.headers.authorization);
  const given = bearer ?? readCookie(req.headers.cookie, ADMIN_COOKIE);
  if (!given || !secretsEqual(given, adminToken)) {
    return { ok: false, error: new UnauthorizedError(given ? "invalid admin token" : "admin token required", 'Bearer realm="tccc-admin"') };
  }
  if (!bearer && req.method !== "GET" && req.method !== "HEAD" && !sameOrigin(req)) {
    return { ok: false, error: new AppError(403, ErrCode.FORBIDDEN, "cross-origin admin request refused") };
  }
  return { ok: true };
}

export function adminAuthentication(adminToken: string | undefined): RequestHandler {
  return (req, _res, next) => {
    const check = checkAdmin(req, adminToken);
    return check.ok ? next() : next(check.error);
  };
}

function sameOrigin(req: Request): boolean {
  const origin = req.get("origin") ?? req.get("referer");
  if (!origin) return false;
  try {
    return new URL(origin).host === req.get("host");
  } catch {
    return false;
  }
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) {
      try {
        return decodeURIComponent(value.join("="));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
