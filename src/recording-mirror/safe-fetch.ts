import { lookup as dnsLookup } from "node:dns/promises";
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { checkAddresses, checkUrl, type AllowedTarget, type HostAllowlist, type ResolvedAddress } from "./host-allowlist";
import { RefusedUrlError, SourceRejectedError, TransientSourceError, describeError } from "./mirror-errors";

export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

export interface SafeFetchOptions {
  allowlist: HostAllowlist;
  /** No byte for this long (connecting, waiting for headers or mid-body) fails the attempt; slow but steady is fine. */
  idleTimeoutMs: number;
  resolve?: Resolver;
  signal?: AbortSignal;
}

export interface OpenedSource {
  body: IncomingMessage;
  /** The URL that answered 200, after redirects. */
  url: URL;
  contentType?: string;
  contentLength?: number;
}

const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** A recording URL that answers these is expired or revoked: asking again will not bring it back. */
const GONE_STATUSES = new Set([403, 404, 410]);
const RETRYABLE_STATUSES = new Set([408, 425, 429]);

const systemResolver: Resolver = async (host) => {
  try {
    const addresses = await dnsLookup(host, { all: true, verbatim: true });
    return addresses.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
  } catch (error) {
    throw new TransientSourceError(`cannot resolve ${host}: ${describeError(error)}`, { cause: error });
  }
};

/**
 * Opens a GET on a recording URL that passed the allowlist, following redirects by hand so that every hop is checked
 * the same way. Each hop's name is resolved once, checked, and the connection is made to exactly that address: a DNS
 * answer that changes between the check and the connect (rebinding) cannot redirect the request inside.
 * The caller owns the returned body and must consume or destroy it.
 */
export async function openSource(rawUrl: string, options: SafeFetchOptions): Promise<OpenedSource> {
  let next = rawUrl;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const target = checkUrl(options.allowlist, next);
    const address = checkAddresses(target, await resolveTarget(target, options.resolve ?? systemResolver));
    const response = await get(target, address, options);
    const status = response.statusCode ?? 0;
    if (status === 200) {
      return { body: response, url: target.url, contentType: response.headers["content-type"], contentLength: parseLength(response.headers["content-length"]) };
    }
    response.destroy();
    if (!REDIRECT_STATUSES.has(status)) throw statusError(status, target);
    const location = response.headers.location;
    if (!location) throw new SourceRejectedError(status, `${target.url.host} answered ${status} without a Location`);
    next = new URL(location, target.url).href;
  }
  throw new RefusedUrlError(`refused: more than ${MAX_REDIRECTS} redirects`);
}

async function resolveTarget(target: AllowedTarget, resolve: Resolver): Promise<ResolvedAddress[]> {
  const family = isIP(target.host);
  return family === 0 ? resolve(target.host) : [{ address: target.host, family: family === 6 ? 6 : 4 }];
}

function pinnedLookup(pinned: ResolvedAddress): LookupFunction {
  return (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all) callback(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
}

function get(target: AllowedTarget, address: ResolvedAddress, options: SafeFetchOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const transport = target.url.protocol === "https:" ? https : http;
    let response: IncomingMessage | undefined;
    const request = transport.request({
      host: target.host,
      port: target.port,
      path: `${target.url.pathname}${target.url.search}`,
      method: "GET",
      // the stored bytes must be the file itself, never a compressed rendition of it
      headers: { accept: "*/*", "accept-encoding": "identity", "user-agent": "tccc-recording-mirror" },
      lookup: pinnedLookup(address),
      servername: isIP(target.host) === 0 ? target.host : undefined,
      // a pooled socket could have been opened to another address than the one just checked
      agent: false,
      signal: options.signal,
    });
    request.setTimeout(options.idleTimeoutMs, () => {
      const error = new TransientSourceError(`no data from ${target.url.host} for ${options.idleTimeoutMs} ms`);
      response?.destroy(error);
      request.destroy(error);
    });
    request.on("response", (answer) => {
      response = answer;
      resolve(answer);
    });
    request.on("error", (error) =>
      reject(error instanceof TransientSourceError ? error : new TransientSourceError(`cannot fetch from ${target.url.host}: ${describeError(error)}`, { cause: error })),
    );
    request.end();
  });
}

function statusError(status: number, target: AllowedTarget): Error {
  const host = target.url.host;
  if (GONE_STATUSES.has(status)) return new SourceRejectedError(status, `${host} answered ${status}: the recording URL expired or was revoked`);
  if (status >= 500 || RETRYABLE_STATUSES.has(status)) return new TransientSourceError(`${host} answered ${status}`);
  return new SourceRejectedError(status, `${host} answered ${status}`);
}

function parseLength(header: string | undefined): number | undefined {
  return header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined;
}
