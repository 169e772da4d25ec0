import type { Request, RequestHandler } from "express";
import { AppError, ErrCode } from "../errors/app-errors";

/** Why a state-changing browser request is refused, or undefined when it came from one of our own pages. */
export function crossOriginRefusal(req: Request): string | undefined {
  // browsers that send Fetch Metadata say outright where a request comes from, and no page's script can forge it
  const site = req.get("sec-fetch-site");
  if (site !== undefined) return site === "same-origin" ? undefined : `cross-origin request refused (Sec-Fetch-Site: ${site})`;
  const source = req.get("origin") ?? req.get("referer");
  if (!source || source === "null") return "request refused: it names no Origin or Referer to prove it comes from this site";
  let origin: URL;
  try {
    origin = new URL(source);
  } catch {
    return "request refused: its Origin is not a URL";
  }
  // req.host and req.protocol follow X-Forwarded-Host/-Proto when TRUST_PROXY trusts the proxy that set them
  const ours = `${req.protocol}://${req.host}`;
  if (origin.origin === ours) return undefined;
  const hint = origin.host === req.host && origin.protocol === "https:" ? " (behind a TLS-terminating proxy, set TRUST_PROXY)" : "";
  return `cross-origin request refused: it comes from ${origin.origin}, this site is ${ours}${hint}`;
}

/** For state-changing routes that browsers use without any other credential check first (sign-in, sign-out). */
export const requireSameOrigin: RequestHandler = (req, _res, next) => {
  const refusal = crossOriginRefusal(req);
  next(refusal ? new AppError(403, ErrCode.FORBIDDEN, refusal) : undefined);
};
