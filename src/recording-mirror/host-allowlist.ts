import { BlockList, isIP } from "node:net";
import { RefusedUrlError } from "./mirror-errors";

/**
 * Which URLs the mirror may fetch. A push's RecordURL is attacker-controlled input until proven otherwise, so a URL
 * must pass two checks: its host and port match an entry of MIRROR_ALLOWED_HOSTS, and every address the name resolves
 * to is public. Entries:
 *   `.myqcloud.com`      the domain and its subdomains (a suffix rule), on the scheme's default port
 *   `files.example.com`  exactly that host, on the default port
 *   `127.0.0.1:9000`     exactly that host and port (`[::1]:9000` for IPv6)
 * Only an exact entry may lead to a loopback, private or link-local address: a suffix rule never reaches inside.
 */
export interface AllowRule {
  host: string;
  suffix: boolean;
  port?: number;
}

export type HostAllowlist = readonly AllowRule[];

const DEFAULT_PORTS: Record<string, number> = { "http:": 80, "https:": 443 };

export function parseAllowlist(entries: readonly string[]): HostAllowlist {
  return entries.map((entry) => {
    const match = /^(\.?)(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/i.exec(entry.trim());
    if (!match || match[2] === undefined) throw new Error(`"${entry}" is not a host, .domain or host:port`);
    return { suffix: match[1] === ".", host: unbracket(match[2].toLowerCase()), port: match[3] === undefined ? undefined : Number(match[3]) };
  });
}

function unbracket(host: string): string {
  return host.startsWith("[") ? host.slice(1, -1) : host;
}

export interface AllowedTarget {
  url: URL;
  /** Host name as used for the connection and the TLS certificate check, without IPv6 brackets. */
  host: string;
  port: number;
  /** True when an exact entry names this host, which lets it resolve to a non-public address. */
  namedExplicitly: boolean;
}

/** Checks scheme, host and port; throws RefusedUrlError before anything is resolved or requested. */
export function checkUrl(allowlist: HostAllowlist, rawUrl: string): AllowedTarget {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new RefusedUrlError("refused: not a valid URL");
  }
  const defaultPort = DEFAULT_PORTS[url.protocol];
  if (defaultPort === undefined) throw new RefusedUrlError(`refused: scheme ${url.protocol} is not http or https`);
  if (url.username || url.password) throw new RefusedUrlError("refused: URL carries credentials");
  const host = unbracket(url.hostname.toLowerCase());
  const port = url.port === "" ? defaultPort : Number(url.port);
  const rule = allowlist.find((candidate) => ruleMatches(candidate, host, port, defaultPort));
  if (!rule) throw new RefusedUrlError(`refused: ${url.host} is not in MIRROR_ALLOWED_HOSTS`);
  return { url, host, port, namedExplicitly: !rule.suffix };
}

function ruleMatches(rule: AllowRule, host: string, port: number, defaultPort: number): boolean {
  if (port !== (rule.port ?? defaultPort)) return false;
  return rule.suffix ? host === rule.host || host.endsWith(`.${rule.host}`) : host === rule.host;
}

/** Addresses no recording host has any business living at: a request there would reach inside our own network. */
const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 3],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 127],
  ["::ffff:0:0", 96],
  ["64:ff9b::", 96],
  ["100::", 64],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, "ipv6");
}

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return !NON_PUBLIC.check(address, family === 4 ? "ipv4" : "ipv6");
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Refuses a name that resolves to any non-public address unless the allowlist named the host exactly. */
export function checkAddresses(target: AllowedTarget, addresses: readonly ResolvedAddress[]): ResolvedAddress {
  const [first] = addresses;
  if (!first) throw new RefusedUrlError(`refused: ${target.host} resolves to no address`);
  const inside = addresses.find((candidate) => !isPublicAddress(candidate.address));
  if (inside && !target.namedExplicitly) {
    throw new RefusedUrlError(`refused: ${target.host} resolves to non-public address ${inside.address}; name it exactly in MIRROR_ALLOWED_HOSTS to allow it`);
  }
  return first;
}
