import { createHash, createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { DescribeTelCdrResponse, TelCdrInfo } from "tencentcloud-sdk-nodejs/tencentcloud/services/ccc/v20200210/ccc_models";

/**
 * A local stand-in for the TCCC API (ccc, 2020-02-10) that speaks its protocol closely enough for the real
 * tencentcloud-sdk-nodejs client: TC3-HMAC-SHA256 signatures checked with the configured key, DescribeTelCdr pages
 * (the SDK's DescribeTelCdrResponse: TotalCount, TelCdrList of TelCdrInfo) served from a call source filtered by the
 * application the request names and by the window, RequestLimitExceeded above the per-application limit, errors in
 * the vendor's shape `{"Response":{"Error":{"Code","Message"},"RequestId"}}`, and failures on demand.
 */

/**
 * A TelCdrInfo as the API may send it: the SDK's own type, in which any field may also come back null (the SDK's
 * comments warn "may return null"). A field the SDK does not have is a type error.
 */
export type AsSent<T> = {
  [K in keyof T]?: NonNullable<T[K]> extends (infer Item)[] ? AsSent<Item>[] | null : NonNullable<T[K]> extends object ? AsSent<NonNullable<T[K]>> | null : T[K] | null;
};
export type TelCdr = TelCdrInfo | AsSent<TelCdrInfo>;

/** Where the calls come from: a list in tests, a generator in the benchmark (100,000 calls need not sit in memory). */
export interface CallSource {
  /** Calls of the application that started within [start, end] (unix seconds). */
  count(sdkAppId: number, start: number, end: number): number;
  slice(sdkAppId: number, start: number, end: number, offset: number, limit: number): TelCdr[];
}

export type InjectedFailure = { code: string; message: string } | "network";

export interface RequestLogEntry {
  /** performance.now() at arrival. */
  at: number;
  sdkAppId?: number;
  pageNumber?: number;
  /** "ok", the error code answered, or "network" when the connection was cut. */
  answer: string;
}

export interface FakeTcccApiOptions {
  secretId: string;
  secretKey: string;
  /** Requests per second per SdkAppId; the real API's limit is 20. */
  limitPerSecond?: number;
}

const DAY_SEC = 86_400;
const SIGNATURE_VALID_SEC = 300;

class VendorError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** When the API lists a call: TelCdrInfo.Time (the call was placed), else its StartTimestamp. */
export const listedAt = (call: TelCdr) => Number(call.Time ?? call.StartTimestamp ?? 0);

/**
 * An in-memory CallSource. TelCdrInfo names no application (the request does), so calls are filed under the one
 * they are added for, ordered by when they were placed.
 */
export function listCallSource(): CallSource & { add(sdkAppId: number, ...calls: TelCdr[]): void } {
  const byApp = new Map<number, TelCdr[]>();
  const inWindow = (sdkAppId: number, start: number, end: number) => (byApp.get(sdkAppId) ?? []).filter((call) => listedAt(call) >= start && listedAt(call) <= end);
  return {
    add(sdkAppId, ...calls) {
      const list = [...(byApp.get(sdkAppId) ?? []), ...calls].sort((a, b) => listedAt(a) - listedAt(b));
      byApp.set(sdkAppId, list);
    },
    count: (sdkAppId, start, end) => inWindow(sdkAppId, start, end).length,
    slice: (sdkAppId, start, end, offset, limit) => inWindow(sdkAppId, start, end).slice(offset, offset + limit),
  };
}

export type ListCallSource = ReturnType<typeof listCallSource>;

export async function startFakeTcccApi<Source extends CallSource = ListCallSource>(options: FakeTcccApiOptions & { source?: Source }) {
  const limit = options.limitPerSecond ?? 20;
  const source = (options.source ?? listCallSource()) as Source;
  const requests: RequestLogEntry[] = [];
  const acceptedAt = new Map<number, number[]>();
  const failures: { failure: InjectedFailure; pageNumber?: number }[] = [];

  function verifySignature(req: IncomingMessage, body: Buffer): void {
    const match = /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/([^/]+)\/tc3_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      req.headers.authorization ?? "",
    );
    if (!match) throw new VendorError("AuthFailure.InvalidAuthorization", "Authorization header is missing or malformed.");
    const [, secretId, date, service, signedHeaders, signature] = match as unknown as string[];
    if (secretId !== options.secretId) throw new VendorError("AuthFailure.SecretIdNotFound", "The SecretId is not found, please ensure that your SecretId is correct.");
    const timestamp = Number(req.headers["x-tc-timestamp"]);
    if (!Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > SIGNATURE_VALID_SEC) {
      throw new VendorError("AuthFailure.SignatureExpire", "Signature expired. Timestamp and server time cannot differ by more than 5 minutes.");
    }
    if (new Date(timestamp * 1000).toISOString().slice(0, 10) !== date) throw new VendorError("AuthFailure.SignatureFailure", "The credential scope date does not match X-TC-Timestamp.");
    const headerValue = (name: string) => (name === "host" ? new URL(`http://${req.headers.host}`).hostname : String(req.headers[name] ?? ""));
    const canonicalHeaders = signedHeaders!.split(";").map((name) => `${name}:${headerValue(name)}\n`).join("");
    const canonicalRequest = [req.method, "/", "", canonicalHeaders, signedHeaders, sha256Hex(body)].join("\n");
    const scope = `${date}/${service}/tc3_request`;
    const stringToSign = ["TC3-HMAC-SHA256", timestamp, scope, sha256Hex(canonicalRequest)].join("\n");
    const signingKey = hmac(hmac(hmac(`TC3${options.secretKey}`, date!), service!), "tc3_request");
    const expected = createHmac("sha256", signingKey).update(stringToSign).digest();
    if (!timingSafeEqual(expected, Buffer.from(signature!, "hex"))) {
      throw new VendorError("AuthFailure.SignatureFailure", "The provided credentials could not be validated. Please check your signature is correct.");
    }
  }

  function withinLimit(sdkAppId: number, now: number): boolean {
    const recent = (acceptedAt.get(sdkAppId) ?? []).filter((at) => now - at < 1000);
    acceptedAt.set(sdkAppId, recent);
    if (recent.length >= limit) return false;
    recent.push(now);
    return true;
  }

  function describeTelCdr(params: Record<string, unknown>, entry: RequestLogEntry): Record<string, unknown> {
    const { SdkAppId, StartTimeStamp, EndTimeStamp, PageSize, PageNumber } = params;
    for (const [name, value] of Object.entries({ SdkAppId, StartTimeStamp, EndTimeStamp, PageSize, PageNumber })) {
      if (typeof value !== "number" || !Number.isInteger(value) || value < 0) throw new VendorError("MissingParameter", `The request is missing a required parameter \`${name}\`.`);
    }
    const [sdkAppId, start, end, pageSize, pageNumber] = [SdkAppId, StartTimeStamp, EndTimeStamp, PageSize, PageNumber] as number[];
    if (pageSize! < 1 || pageSize! > 100) throw new VendorError("InvalidParameterValue", "PageSize must be between 1 and 100.");
    if (end! < start!) throw new VendorError("InvalidParameterValue", "EndTimeStamp must not be before StartTimeStamp.");
    if (end! - start! >= 90 * DAY_SEC) throw new VendorError("InvalidParameterValue", "The time range must be shorter than 90 days.");
    if (start! < Date.now() / 1000 - 180 * DAY_SEC) throw new VendorError("InvalidParameterValue", "StartTimeStamp must be within the last 180 days.");

    const injected = failures.findIndex((candidate) => candidate.pageNumber === undefined || candidate.pageNumber === pageNumber);
    const failure = injected >= 0 ? failures.splice(injected, 1)[0]!.failure : undefined;
    if (failure === "network") throw failure;
    if (failure) throw new VendorError(failure.code, failure.message);
    if (!withinLimit(sdkAppId!, entry.at)) throw new VendorError("RequestLimitExceeded", "The number of requests exceeds the frequency limit.");
    // the records as the API may send them: with nulls where the SDK's type says a value
    const page = { TotalCount: source.count(sdkAppId!, start!, end!), TelCdrList: source.slice(sdkAppId!, start!, end!, pageNumber! * pageSize!, pageSize!) };
    return page satisfies AsSent<DescribeTelCdrResponse>;
  }

  function answer(res: ServerResponse, response: Record<string, unknown>): void {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ Response: { ...response, RequestId: randomUUID() } }));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const entry: RequestLogEntry = { at: performance.now(), answer: "ok" };
    requests.push(entry);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    try {
      const params = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
      // filed under its application before any check, so refused requests count in the log too
      entry.sdkAppId = typeof params.SdkAppId === "number" ? params.SdkAppId : undefined;
      entry.pageNumber = typeof params.PageNumber === "number" ? params.PageNumber : undefined;
      verifySignature(req, body);
      if (req.headers["x-tc-action"] !== "DescribeTelCdr") throw new VendorError("InvalidAction", `The action \`${String(req.headers["x-tc-action"])}\` is not supported here.`);
      if (req.headers["x-tc-version"] !== "2020-02-10") throw new VendorError("InvalidParameterValue", "Version must be 2020-02-10.");
      answer(res, describeTelCdr(params, entry));
    } catch (error) {
      if (error === "network") {
        entry.answer = "network";
        req.socket.destroy();
        return;
      }
      const vendor = error instanceof VendorError ? error : new VendorError("InternalError", String(error));
      entry.answer = vendor.code;
      answer(res, { Error: { Code: vendor.code, Message: vendor.message } });
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    source,
    requests,
    /** The next `times` DescribeTelCdr requests (for page `pageNumber`, or any page) fail this way. */
    failNext(times: number, failure: InjectedFailure, pageNumber?: number): void {
      for (let i = 0; i < times; i++) failures.push({ failure, pageNumber });
    },
    /** The most requests (accepted or not) that arrived for one application within any window of `windowMs`. */
    peakRequests(sdkAppId: number, windowMs = 1000): number {
      const times = requests.filter((entry) => entry.sdkAppId === sdkAppId).map((entry) => entry.at).sort((a, b) => a - b);
      let peak = 0;
      for (let first = 0, last = 0; last < times.length; last++) {
        while (times[last]! - times[first]! >= windowMs) first++;
        peak = Math.max(peak, last - first + 1);
      }
      return peak;
    },
    answers(sdkAppId: number): string[] {
      return requests.filter((entry) => entry.sdkAppId === sdkAppId).map((entry) => entry.answer);
    },
    close(): Promise<void> {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export type FakeTcccApi = Awaited<ReturnType<typeof startFakeTcccApi<ListCallSource>>>;

function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}
