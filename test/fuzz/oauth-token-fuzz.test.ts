import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { createAccessTokenIssuer } from "../../src/auth/access-tokens";
import { ErrCode } from "../../src/errors/app-errors";
import { sampleCdr } from "../support/payloads";
import { startTestService, uniqueSdkAppId, uniqueSessionId, type TestService } from "../support/test-service";
import { hostileValue, prototypeSnapshot, withOwnKey } from "./support/hostile-input";

/**
 * Property-based fuzzing of the OAuth2 token endpoint and of pushes carrying tokens (PUSH_AUTH=oauth2): an RFC 6749
 * answer whatever arrives, a token only for the right client and grant, and no push without a genuine token.
 */
const CLIENT_ID = "tccc-console";
const CLIENT_SECRET = "s3cret:with&special=chars+";
const TOKEN_SECRET = "fuzz-signing-secret-0123456789abcdef";
const RFC6749_ERRORS = ["invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type", "invalid_scope"];

const printable = (maxLength: number) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength });
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;

interface TokenRequest {
  /** Where the client authenticates: the Authorization header, the body, both, or nowhere. */
  via: "header" | "body" | "both" | "none";
  id: string;
  secret: string;
  grantType?: unknown;
  encoding: "form" | "json";
  extra: Record<string, unknown>;
}

/** RFC 6749 sections 2.3.1, 4.4 and 5.2: what the token endpoint must answer to `request`. */
function expectedAnswer(request: TokenRequest): { status: number; error?: string } {
  if (request.via === "both") return { status: 400, error: "invalid_request" };
  if (request.via === "none") return { status: 401, error: "invalid_client" };
  if (request.id !== CLIENT_ID || request.secret !== CLIENT_SECRET) return { status: 401, error: "invalid_client" };
  if (typeof request.grantType !== "string") return { status: 400, error: "invalid_request" };
  if (request.grantType !== "client_credentials") return { status: 400, error: "unsupported_grant_type" };
  return { status: 200 };
}

function encode(request: TokenRequest): { headers: Record<string, string>; body: string } {
  let fields: Record<string, unknown> = { ...request.extra };
  if (request.grantType !== undefined) fields.grant_type = request.grantType;
  if (request.via === "body" || request.via === "both") fields = { ...fields, client_id: request.id, client_secret: request.secret };
  const headers: Record<string, string> = request.via === "header" || request.via === "both" ? { Authorization: basic(request.id, request.secret) } : {};
  if (request.encoding === "json") return { headers: { ...headers, "Content-Type": "application/json" }, body: JSON.stringify(fields) };
  const form = new URLSearchParams(Object.entries(fields).map(([key, value]) => [key, String(value)]));
  return { headers: { ...headers, "Content-Type": "application/x-www-form-urlencoded" }, body: form.toString() };
}

describe("fuzzing /oauth/token and token-carrying pushes (PUSH_AUTH=oauth2)", () => {
  let service: TestService;
  const prototypesBefore = prototypeSnapshot();
  beforeAll(async () => {
    service = await startTestService({ PUSH_AUTH: "oauth2", OAUTH_CLIENT_ID: CLIENT_ID, OAUTH_CLIENT_SECRET: CLIENT_SECRET, OAUTH_TOKEN_SECRET: TOKEN_SECRET });
  });
  afterAll(() => service.stop());

  async function postToken(headers: Record<string, string>, body: string | Uint8Array) {
    const response = await fetch(`${service.url}/oauth/token`, { method: "POST", headers, body: typeof body === "string" ? body : new Uint8Array(body) });
    const answer = JSON.parse(await response.text()) as Record<string, unknown>;
    // RFC 6749 5.1: an answer carrying a token must not be cached (5.2 asks nothing of the kind for errors)
    if (response.status === 200) expect(response.headers.get("cache-control")).toBe("no-store");
    else {
      expect(RFC6749_ERRORS).toContain(answer.error);
      expect(typeof answer.error_description).toBe("string");
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(prototypeSnapshot()).toEqual(prototypesBefore);
    return { status: response.status, answer };
  }

  it("answers arbitrary bodies, content types and Authorization headers with an RFC 6749 error, never a 5xx", async () => {
    const contentType = fc.oneof(fc.constantFrom("application/json", "application/x-www-form-urlencoded", "text/plain", "application/json; charset=utf-16"), printable(40));
    const authorization = fc.oneof(
      fc.constant(undefined),
      printable(80).map((text) => `Basic ${text}`),
      fc.tuple(printable(30), printable(30)).map(([id, secret]) => basic(id, secret)),
      printable(80),
    );
    const body = fc.oneof(fc.uint8Array({ maxLength: 2048 }), fc.jsonValue().map((value) => JSON.stringify(value)), fc.string({ maxLength: 40_000 }));
    await fc.assert(
      fc.asyncProperty(contentType, authorization, body, async (type, auth, payload) => {
        const { status } = await postToken({ "Content-Type": type, ...(auth === undefined ? {} : { Authorization: auth }) }, payload);
        expect([400, 401, 413]).toContain(status);
      }),
      { numRuns: 200 },
    );
  });

  it("issues a token exactly when the client, its secret and the grant type are right, and the token opens /tccc/push", async () => {
    // the right values are weighted so that about one request in twelve earns a token
    const maybeRight = (right: string) =>
      fc.oneof({ arbitrary: fc.constant(right), weight: 4 }, fc.string({ unit: "grapheme", maxLength: 30 }), fc.constant(right.toUpperCase()), fc.constant(`${right} `));
    let issued = 0;
    const request = fc.record({
      via: fc.constantFrom<TokenRequest["via"]>("header", "body", "both", "none"),
      id: maybeRight(CLIENT_ID),
      secret: maybeRight(CLIENT_SECRET),
      grantType: fc.oneof({ arbitrary: fc.constant("client_credentials"), weight: 4 }, fc.constant(undefined), fc.constantFrom("password", "authorization_code", "CLIENT_CREDENTIALS", ""), printable(20)),
      encoding: fc.constantFrom<TokenRequest["encoding"]>("form", "json"),
      extra: fc
        .array(fc.tuple(fc.constantFrom("__proto__", "constructor", "scope", "prototype"), hostileValue), { maxLength: 2 })
        .map((entries) => entries.reduce<Record<string, unknown>>((object, [key, value]) => withOwnKey(object, key, value), {})),
    });
    await fc.assert(
      fc.asyncProperty(request, async (tokenRequest) => {
        const { headers, body } = encode(tokenRequest);
        const expected = expectedAnswer(tokenRequest);

        const { status, answer } = await postToken(headers, body);

        expect({ status, error: answer.error }).toEqual(expected);
        if (status === 200) {
          issued += 1;
          expect(answer).toMatchObject({ token_type: "Bearer", expires_in: 7200 });
          const push = await service.push("cdr", sampleCdr(uniqueSdkAppId(), uniqueSessionId()), { headers: { Authorization: `Bearer ${String(answer.access_token)}` } });
          expect(push.body.ErrCode).toBe(ErrCode.OK);
        }
      }),
      { numRuns: 200 },
    );
    expect(issued).toBeGreaterThan(0);
  });

  it("refuses pushes with arbitrary, forged or foreign tokens with 401 and ErrCode 1401, storing nothing", async () => {
    const genuine = createAccessTokenIssuer({ secret: TOKEN_SECRET, ttlSec: 3600 }).issue(CLIENT_ID).accessToken;
    const [header, payload] = genuine.split(".") as [string, string, string];
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const forged = fc.oneof(
      printable(200),
      fc.constant(createAccessTokenIssuer({ secret: "another-secret-0123456789abcdefghijkl", ttlSec: 3600 }).issue(CLIENT_ID).accessToken),
      fc.constant(createAccessTokenIssuer({ secret: TOKEN_SECRET, ttlSec: 60, now: () => Date.now() - 3_600_000 }).issue(CLIENT_ID).accessToken),
      fc.constant(`${b64({ alg: "none", typ: "JWT" })}.${payload}.`),
      printable(40).map((signature) => `${header}.${payload}.${signature}`),
      fc.jsonValue().map((claims) => `${header}.${b64(claims)}.${genuine.split(".")[2]}`),
    );
    await fc.assert(
      fc.asyncProperty(forged, fc.constantFrom("Bearer ", "bearer ", "Basic ", ""), async (token, scheme) => {
        const pushUuid = `forged-${randomUUID()}`;

        const answer = await service.push("cdr", sampleCdr(uniqueSdkAppId(), uniqueSessionId()), { pushUuid, headers: { Authorization: `${scheme}${token}` } });

        expect(answer.status).toBe(401);
        expect(answer.body.ErrCode).toBe(ErrCode.UNAUTHORIZED);
        expect(await service.database.prisma.pushInbox.count({ where: { pushUuid } })).toBe(0);
      }),
      { numRuns: 150 },
    );
  });
});
