import { isIP } from "node:net";
import type { Request } from "express";

/** 127.0.0.0/8 and ::1, also in the IPv4-mapped form a dual-stack socket reports (::ffff:127.0.0.1). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const unmapped = address.toLowerCase().startsWith("::ffff:") ? address.slice(7) : address;
  if (isIP(unmapped) === 4) return unmapped.startsWith("127.");
  return address === "::1";
}

/**
 * Whether the request was made on this host. The socket's peer must be loopback, and so must the client a trusted
 * proxy names (express resolves req.ip through TRUST_PROXY). A request that names a client (X-Forwarded-For,
 * Forwarded) through a proxy we do not trust may come from anywhere: a local reverse proxy would otherwise make the
 * whole internet look local.
 */
export function isFromThisHost(req: Request): boolean {
  const namesAClient = req.headers["x-forwarded-for"] !== undefined || req.headers.forwarded !== undefined;
  if (namesAClient && req.ips.length === 0) return false;
  return isLoopbackAddress(req.socket.remoteAddress) && isLoopbackAddress(req.ip);
}
