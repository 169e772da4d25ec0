import type { RequestHandler } from "express";
import { parseBearerAuthorization, secretsEqual } from "../auth/credentials";
import { AppError, ErrCode, UnauthorizedError } from "../errors/app-errors";

/**
 * Guards every /admin route with `Authorization: Bearer $ADMIN_TOKEN`, separate from the push credentials. Browsers
 * cannot send a bearer header on navigation, so the admin page's login form stores the token in an HttpOnly cookie that
 * is checked the same way.
 */
export const ADMIN_COOKIE = "tccc_admin";

export function adminAuthentication(adminToken: string | undefined): RequestHandler {
  return (req, _res, next) => {
    if (!adminToken) return next(new AppError(403, ErrCode.FORBIDDEN, "admin API disabled: set ADMIN_TOKEN"));
    const given = parseBearerAuthorization(req.headers.authorization) ?? readCookie(req.headers.cookie, ADMIN_COOKIE);
    if (given && secretsEqual(given, adminToken)) return next();
    return next(new UnauthorizedError(given ? "invalid admin token" : "admin token required", 'Bearer realm="tccc-admin"'));
  };
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
