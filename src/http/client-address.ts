import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import proxyAddr from "proxy-addr";

/** Which proxies may name the client: the function express compiles from TRUST_PROXY (`app.get("trust proxy fn")`). */
export type ProxyTrust = (address: string, hop: number) => boolean;

/** 127.0.0.0/8 and ::1, also in the IPv4-mapped form a dual-stack socket reports (::ffff:127.0.0.1). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const unmapped = address.toLowerCase().startsWith("::ffff:") ? address.slice(7) : address;
  if (isIP(unmapped) === 4) return unmapped.startsWith("127.");
  return address === "::1";
}

/**
 * Whether the request was made on this host. The socket's peer must be loopback, and so must the client a trusted
 * proxy names (resolved as express resolves req.ip). A request that names a client (X-Forwarded-For, Forwarded)
 * through a proxy we do not trust may come from anywhere: a local reverse proxy would otherwise make the whole
 * internet look local. Takes a plain request: the push route is served without express (push-router.ts).
 */
export function isFromThisHost(req: IncomingMessage, trust: ProxyTrust): boolean {
  const namesAClient = req.headers["x-forwarded-for"] !== undefined || req.headers.forwarded !== undefined;
  // the socket's peer first, then each address a trusted proxy gave
  if (namesAClient && proxyAddr.all(req, trust).length <= 1) return false;
  return isLoopbackAddress(req.socket.remoteAddress) && isLoopbackAddress(proxyAddr(req, trust));
}
