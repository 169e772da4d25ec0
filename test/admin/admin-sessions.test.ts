import { adminSessionIdHash } from "../../src/admin/admin-sessions";
import { startTestService, type TestService } from "../support/test-service";

const ADMIN_TOKEN = "admin-token-for-session-tests-0123";
const TTL_SEC = 3600;

interface SignIn {
  status: number;
  /** every Set-Cookie of the answer */
  cookies: string[];
  setCookie: string;
  /** name=value, as a browser sends it back */
  cookie: string;
  sessionId: string;
}

async function signIn(service: TestService, token = ADMIN_TOKEN, headers: Record<string, string> = {}): Promise<SignIn> {
  const response = await fetch(`${service.url}/admin/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: service.url, ...headers },
    body: new URLSearchParams({ token }).toString(),
  });
  const cookies = response.headers.getSetCookie();
  const setCookie = cookies.find((cookie) => cookie.startsWith("tccc_admin_session=")) ?? "";
  const cookie = setCookie.split(";")[0] ?? "";
  return { status: response.status, cookies, setCookie, cookie, sessionId: decodeURIComponent(cookie.split("=")[1] ?? "") };
}

/** The admin API as the signed-in page's browser calls it: with the cookie, from our own origin. */
const withCookie = (service: TestService, path: string, cookie: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
  fetch(`${service.url}${path}`, { redirect: "manual", ...init, headers: { Cookie: cookie, Origin: service.url, ...init.headers } });

const storedSession = (service: TestService, sessionId: string, token = ADMIN_TOKEN) =>
  service.database.prisma.adminSession.findUnique({ where: { idHash: adminSessionIdHash(token, sessionId) } });

describe("admin sessions", () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ ADMIN_TOKEN, ADMIN_SESSION_TTL_SEC: String(TTL_SEC), ADMIN_SIGNIN_MAX_ATTEMPTS: "1000" });
  });
  afterAll(() => service.stop());

  it("issues a random session id, never the token, in an HttpOnly SameSite=Strict cookie limited to /admin that expires with the session", async () => {
    const first = await signIn(service);
    const second = await signIn(service);

    expect(first.status).toBe(303);
    expect(first.cookie).toMatch(/^tccc_admin_session=/);
    // earlier versions' cookie held the token itself: it is removed from the browser
    expect(first.cookies).toContainEqual(expect.stringMatching(/^tccc_admin=;.*Expires=Thu, 01 Jan 1970/));
    expect(first.sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.sessionId).not.toBe(second.sessionId);
    expect(first.setCookie).not.toContain(ADMIN_TOKEN);
    expect(first.setCookie).toMatch(/; HttpOnly/);
    expect(first.setCookie).toMatch(/; SameSite=Strict/);
    expect(first.setCookie).toMatch(/; Path=\/admin/);
    expect(first.setCookie).toContain(`Max-Age=${TTL_SEC}`);
    // over plain HTTP without a trusted proxy saying otherwise, a Secure cookie would never come back
    expect(first.setCookie).not.toMatch(/; Secure/);

    const stored = await storedSession(service, first.sessionId);
    expect(stored).not.toBeNull();
    expect(Math.abs(stored!.expiresAt.getTime() - stored!.createdAt.getTime() - TTL_SEC * 1000)).toBeLessThan(1000);
    expect((await withCookie(service, "/admin/pushes?limit=1", first.cookie)).status).toBe(200);
  });

  it("does not take the raw admin token as a cookie, as older versions set it", async () => {
    const response = await withCookie(service, "/admin/pushes?limit=1", `tccc_admin_session=${ADMIN_TOKEN}`);
    expect(response.status).toBe(401);
  });

  it("refuses a wrong token at sign-in and stores no session", async () => {
    const before = await service.database.prisma.adminSession.count();
    const attempt = await signIn(service, "not-the-admin-token-at-all");

    expect(attempt.status).toBe(401);
    expect(attempt.setCookie).toBe("");
    expect(await service.database.prisma.adminSession.count()).toBeLessThanOrEqual(before);
  });

  it("signs out by revoking the session: the same cookie no longer works anywhere", async () => {
    const session = await signIn(service);

    const signOut = await withCookie(service, "/admin/logout", session.cookie, { method: "POST" });

    expect(signOut.status).toBe(303);
    expect(signOut.headers.get("set-cookie")).toMatch(/^tccc_admin_session=;.*Expires=Thu, 01 Jan 1970/);
    expect(await storedSession(service, session.sessionId)).toBeNull();
    const api = await withCookie(service, "/admin/pushes", session.cookie);
    expect(api.status).toBe(401);
    expect(((await api.json()) as { detail: string }).detail).toBe("session expired or signed out: sign in again");
    const page = await withCookie(service, "/admin", session.cookie, { headers: { Accept: "text/html" } });
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/admin/login");
  });

  it("ends a session at its expiry", async () => {
    const session = await signIn(service);
    expect((await withCookie(service, "/admin/pushes?limit=1", session.cookie)).status).toBe(200);

    // the expiry comes TTL later in real time; moving it is the same to the service, and is the row it reads
    await service.database.prisma.adminSession.update({ where: { idHash: adminSessionIdHash(ADMIN_TOKEN, session.sessionId) }, data: { expiresAt: new Date(Date.now() - 1000) } });

    expect((await withCookie(service, "/admin/pushes?limit=1", session.cookie)).status).toBe(401);
  });

  it("refuses a cross-origin sign-out, which leaves the session working", async () => {
    const session = await signIn(service);

    const forged = await withCookie(service, "/admin/logout", session.cookie, { method: "POST", headers: { Origin: "https://attacker.example" } });
    const fetchMetadata = await withCookie(service, "/admin/logout", session.cookie, { method: "POST", headers: { "Sec-Fetch-Site": "cross-site" } });
    const noOrigin = await fetch(`${service.url}/admin/logout`, { method: "POST", redirect: "manual", headers: { Cookie: session.cookie } });

    expect(forged.status).toBe(403);
    expect(((await forged.json()) as { detail: string }).detail).toMatch(/^cross-origin request refused: it comes from https:\/\/attacker\.example/);
    expect(fetchMetadata.status).toBe(403);
    expect(noOrigin.status).toBe(403);
    expect(await storedSession(service, session.sessionId)).not.toBeNull();
    expect((await withCookie(service, "/admin/pushes?limit=1", session.cookie)).status).toBe(200);
  });

  it("refuses a cross-origin state-changing request that carries only the cookie", async () => {
    const session = await signIn(service);

    const forged = await withCookie(service, "/admin/pushes/replay", session.cookie, {
      method: "POST",
      headers: { Origin: "https://attacker.example", "Content-Type": "application/json" },
      body: JSON.stringify({ status: "failed" }),
    });

    expect(forged.status).toBe(403);
  });

  it("sends the security headers on every admin answer", async () => {
    const response = await fetch(`${service.url}/admin/login`);

    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("ends every session when ADMIN_TOKEN changes", async () => {
    const session = await signIn(service);
    const rotated = await startTestService({ ADMIN_TOKEN: "the-next-admin-token-0123456789" });
    try {
      expect((await withCookie(rotated, "/admin/pushes?limit=1", session.cookie)).status).toBe(401);
    } finally {
      await rotated.stop();
    }
  });
});

describe("admin sessions behind a TLS-terminating proxy", () => {
  it("marks the cookie Secure when a trusted proxy says the request came over HTTPS", async () => {
    const service = await startTestService({ ADMIN_TOKEN, TRUST_PROXY: "loopback" });
    try {
      const host = new URL(service.url).host;
      const proxied = { "X-Forwarded-Proto": "https", Origin: `https://${host}` };

      const session = await signIn(service, ADMIN_TOKEN, proxied);

      expect(session.status).toBe(303);
      expect(session.setCookie).toMatch(/; Secure/);
      // the same origin as the browser saw it: https, through the proxy
      const signOut = await withCookie(service, "/admin/logout", session.cookie, { method: "POST", headers: proxied });
      expect(signOut.status).toBe(303);
      expect(signOut.headers.get("set-cookie")).toMatch(/; Secure/);
    } finally {
      await service.stop();
    }
  });

  it("without TRUST_PROXY believes no X-Forwarded-Proto, and says what to set when the origins differ by scheme only", async () => {
    const service = await startTestService({ ADMIN_TOKEN });
    try {
      const host = new URL(service.url).host;
      const attempt = await fetch(`${service.url}/admin/login`, {
        method: "POST",
        redirect: "manual",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-Proto": "https", Origin: `https://${host}` },
        body: new URLSearchParams({ token: ADMIN_TOKEN }).toString(),
      });

      expect(attempt.status).toBe(403);
      expect(attempt.headers.get("set-cookie")).toBeNull();
      expect(((await attempt.json()) as { detail: string }).detail).toMatch(/behind a TLS-terminating proxy, set TRUST_PROXY/);
    } finally {
      await service.stop();
    }
  });
});

describe("sign-in rate limit", () => {
  it("refuses further sign-ins from an address after ADMIN_SIGNIN_MAX_ATTEMPTS failures, even with the right token", async () => {
    const service = await startTestService({ ADMIN_TOKEN, ADMIN_SIGNIN_MAX_ATTEMPTS: "3", ADMIN_SIGNIN_WINDOW_SEC: "600" });
    try {
      expect((await signIn(service)).status).toBe(303); // successes do not count
      const failures = [];
      for (let attempt = 0; attempt < 3; attempt++) failures.push((await signIn(service, "guessing-the-admin-token")).status);
      expect(failures).toEqual([401, 401, 401]);

      const blocked = await signIn(service);

      expect(blocked.status).toBe(429);
      expect(blocked.setCookie).toBe("");
    } finally {
      await service.stop();
    }
  });
});
