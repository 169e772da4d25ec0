import type { Request, RequestHandler } from "express";
import { parseBearerAuthorization, secretsEqual } from "../auth/credentials";
import { AppError, ErrCode, UnauthorizedError } from "../errors/app-errors";
import { crossOriginRefusal } from "../http/same-origin";
import type { AdminSessionStore } from "./admin-sessions";

/**
 * Every /admin route needs `Authorization: Bearer $ADMIN_TOKEN` (scripts, the API) or the session cookie the admin
 * page sets after sign-in (browsers cannot send a bearer header on navigation). A request authenticated by the cookie
 * alone that changes something must come from our own origin: the cookie is SameSite=Strict, and this check stands
 * where SameSite does not (older browsers, sibling subdomains).
 */
export const ADMIN_SESSION_COOKIE = "tccc_admin_session";
/** Limited to the admin surface: nothing else on this host ever receives the cookie. */
export const ADMIN_COOKIE_PATH = "/admin";

/** What admin authentication checks against; undefined while ADMIN_TOKEN is unset, which disables the admin surface. */
export interface AdminAccess {
  adminToken: string;
  sessions: AdminSessionStore;
}

export type AdminCheck = { ok: true } | { ok: false; error: AppError };

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export const adminDisabledError = () => new AppError(403, ErrCode.FORBIDDEN, "admin API disabled: set ADMIN_TOKEN");

export async function checkAdmin(req: Request, access: AdminAccess | undefined): Promise<AdminCheck> {
  if (!access) return { ok: false, error: adminDisabledError() };
  const { adminToken, sessions } = access;
  const bearer = parseBearerAuthorization(req.headers.authorization);
  if (bearer !== undefined) {
    return secretsEqual(bearer, adminToken) ? { ok: true } : { ok: false, error: new UnauthorizedError("invalid admin token", 'Bearer realm="tccc-admin"') };
  }
  const sessionId = readCookie(req.headers.cookie, ADMIN_SESSION_COOKIE);
  if (sessionId === undefined) return { ok: false, error: new UnauthorizedError("admin token required", 'Bearer realm="tccc-admin"') };
  if (!(await sessions.isActive(sessionId))) {
    return { ok: false, error: new UnauthorizedError("session expired or signed out: sign in again", 'Bearer realm="tccc-admin"') };
  }
  const refusal = SAFE_METHODS.has(req.method) ? undefined : crossOriginRefusal(req);
  return refusal ? { ok: false, error: new AppError(403, ErrCode.FORBIDDEN, refusal) } : { ok: true };
}

export function adminAuthentication(access: AdminAccess | undefined): RequestHandler {
  return (req, _res, next) => {
    checkAdmin(req, access).then((check) => (check.ok ? next() : next(check.error)), next);
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
