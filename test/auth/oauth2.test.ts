import { createAccessTokenIssuer } from "../../src/auth/access-tokens";
import { sampleCdr } from "../support/payloads";
import { startTestService, uniqueSdkAppId, uniqueSessionId, type TestService } from "../support/test-service";

const CLIENT_ID = "tccc-console";
const CLIENT_SECRET = "client secret & more";
const TOKEN_SECRET = "0123456789abcdef0123456789abcdef-signing";
const OAUTH_ENV = { PUSH_AUTH: "oauth2", OAUTH_CLIENT_ID: CLIENT_ID, OAUTH_CLIENT_SECRET: CLIENT_SECRET, OAUTH_TOKEN_SECRET: TOKEN_SECRET };

interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

async function requestToken(url: string, init: { body: string; contentType: string; authorization?: string }): Promise<TokenAnswer> {
  const response = await fetch(`${url}/oauth/token`, {
    method: "POST",
    headers: { "Content-Type": init.contentType, ...(init.authorization ? { Authorization: init.authorization } : {}) },
    body: init.body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

const form = (fields: Record<string, string>) => ({ body: new URLSearchParams(fields).toString(), contentType: "application/x-www-form-urlencoded" });
const basicClient = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;

describe("OAuth2 client credentials (PUSH_AUTH=oauth2)", () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService(OAUTH_ENV);
  });
  afterAll(() => service.stop());

  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  it("issues a token to a client authenticated in a form body, and a push carrying it is stored", async () => {
    const token = await requestToken(service.url, form({ grant_type: "client_credentials", client_id: CLIENT_ID, client_secret: CLIENT_SECRET }));
    expect(token.status).toBe(200);
    expect(token.body).toEqual({ access_token: expect.any(String), token_type: "Bearer", expires_in: 7200 });
    expect(token.headers.get("cache-control")).toBe("no-store");

    const appId = uniqueSdkAppId();
    const answer = await service.push("cdr", sampleCdr(appId, uniqueSessionId()), { headers: bearer(token.body.access_token as string) });

    expect(answer.body).toEqual({ ErrCode: 0, ErrMsg: "" });
    expect(await service.database.prisma.callSession.count({ where: { sdkAppId: BigInt(appId) } })).toBe(1);
  });

  it("authenticates the client by HTTP Basic (form-encoded per RFC 6749) and accepts a JSON body", async () => {
    const token = await requestToken(service.url, {
      body: JSON.stringify({ grant_type: "client_credentials" }),
      contentType: "application/json",
      authorization: basicClient(CLIENT_ID, CLIENT_SECRET),
    });

    expect(token.status).toBe(200);
    expect(token.body.token_type).toBe("Bearer");
  });

  it("answers a wrong secret with invalid_client (401)", async () => {
    const viaBody = await requestToken(service.url, form({ grant_type: "client_credentials", client_id: CLIENT_ID, client_secret: "wrong" }));
    const viaHeader = await requestToken(service.url, { ...form({ grant_type: "client_credentials" }), authorization: basicClient(CLIENT_ID, "wrong") });

    expect(viaBody.status).toBe(401);
    expect(viaBody.body.error).toBe("invalid_client");
    expect(viaHeader.status).toBe(401);
    expect(viaHeader.headers.get("www-authenticate")).toMatch(/^Basic/);
  });

  it("answers another grant type with unsupported_grant_type (400)", async () => {
    const token = await requestToken(service.url, form({ grant_type: "password", client_id: CLIENT_ID, client_secret: CLIENT_SECRET }));

    expect(token.status).toBe(400);
    expect(token.body.error).toBe("unsupported_grant_type");
  });

  it("answers a malformed JSON body with invalid_request", async () => {
    const token = await requestToken(service.url, { body: "{oops", contentType: "application/json" });

    expect(token.status).toBe(400);
    expect(token.body.error).toBe("invalid_request");
  });

  it.each([
    ["no token", {}, "missing Bearer token"],
    ["a forged token", { Authorization: `Bearer ${createAccessTokenIssuer({ secret: "another-secret-of-at-least-32-chars!", ttlSec: 60 }).issue(CLIENT_ID).accessToken}` }, "invalid token signature"],
    ["an expired token", { Authorization: `Bearer ${createAccessTokenIssuer({ secret: TOKEN_SECRET, ttlSec: 60, now: () => Date.now() - 3_600_000 }).issue(CLIENT_ID).accessToken}` }, "token expired"],
    ["garbage", { Authorization: "Bearer not.a.token" }, "invalid token signature"],
  ])("refuses a push with %s: 401, non-zero ErrCode, nothing stored", async (_case, headers, message) => {
    const appId = uniqueSdkAppId();

    const answer = await service.push("cdr", sampleCdr(appId, uniqueSessionId()), { headers });

    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ ErrCode: 1401, ErrMsg: message });
    expect(await service.database.prisma.pushInbox.count({ where: { sdkAppId: BigInt(appId) } })).toBe(0);
  });

  it("keeps accepting a token after a restart and on another instance sharing the secret", async () => {
    const token = await requestToken(service.url, form({ grant_type: "client_credentials", client_id: CLIENT_ID, client_secret: CLIENT_SECRET }));
    const otherInstance = await startTestService(OAUTH_ENV);
    try {
      const appId = uniqueSdkAppId();
      const answer = await otherInstance.push("cdr", sampleCdr(appId, uniqueSessionId()), { headers: bearer(token.body.access_token as string) });
      expect(answer.body.ErrCode).toBe(0);
    } finally {
      await otherInstance.stop();
    }
  });
});
