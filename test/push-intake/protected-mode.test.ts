import { randomUUID } from "node:crypto";
import { UNAUTHENTICATED_REMOTE_REFUSED } from "../../src/auth/push-authentication";
import { createOtherHost, type OtherHost } from "../support/other-host";
import { sampleCdr } from "../support/payloads";
import { startTestService, uniqueSdkAppId, uniqueSessionId, type TestService } from "../support/test-service";

const otherHost = createOtherHost();
const unavailable = "unavailable" in otherHost ? otherHost.unavailable : undefined;
// CI runs as root on a machine that can make namespaces: there, not being able to is a failure, not a reason to skip
if (unavailable && !process.env.CI) console.warn(`skipping the tests from another host: ${unavailable}`);
const fromAnotherHost = unavailable && !process.env.CI ? describe.skip : describe;

/** Listens on every interface, as a deployment does; the other host reaches it at our end of the veth pair. */
async function startReachableService(overrides: Record<string, string> = {}): Promise<{ service: TestService; remoteUrl: (port?: string) => string }> {
  const service = await startTestService({ HOST: "0.0.0.0", ...overrides });
  const host = otherHost as OtherHost;
  return { service, remoteUrl: (port = new URL(service.url).port) => `http://${host.ourAddress}:${port}` };
}

const pushBody = () => JSON.stringify(sampleCdr(uniqueSdkAppId(), uniqueSessionId()));
const stored = (service: TestService, pushUuid: string) => service.database.prisma.pushInbox.count({ where: { pushUuid } });

fromAnotherHost("PUSH_AUTH=none seen from another host", () => {
  beforeAll(() => {
    if (unavailable) throw new Error(`CI must be able to create a second host: ${unavailable}`);
  });
  afterAll(() => (otherHost as OtherHost).destroy());

  const push = (url: string, pushUuid: string, headers: Record<string, string> = {}) =>
    (otherHost as OtherHost).fetch(`${url}/tccc/push?action=cdr`, { method: "POST", headers: { "Content-Type": "application/json", "X-TCCC-PUSH-UUID": pushUuid, ...headers }, body: pushBody() });

  it("refuses pushes from another host, saying how to allow them, and stores nothing; this host still pushes", async () => {
    const { service, remoteUrl } = await startReachableService();
    try {
      const pushUuid = `remote-${randomUUID()}`;

      const remote = await push(remoteUrl(), pushUuid);

      expect(remote.status).toBe(403);
      expect(JSON.parse(remote.body)).toEqual({ ErrCode: 1403, ErrMsg: UNAUTHENTICATED_REMOTE_REFUSED });
      expect(await stored(service, pushUuid)).toBe(0);
      // the rest of the service is reachable: it is the unauthenticated push that is refused
      expect((await (otherHost as OtherHost).fetch(`${remoteUrl()}/healthz`)).status).toBe(200);
      const local = await service.push("cdr", sampleCdr(uniqueSdkAppId(), uniqueSessionId()), { pushUuid: `local-${randomUUID()}` });
      expect(local.body.ErrCode).toBe(0);
    } finally {
      await service.stop();
    }
  });

  it("accepts them with the explicit opt-in", async () => {
    const { service, remoteUrl } = await startReachableService({ PUSH_ALLOW_UNAUTHENTICATED_REMOTE: "true" });
    try {
      const pushUuid = `remote-${randomUUID()}`;

      const remote = await push(remoteUrl(), pushUuid);

      expect(remote.status).toBe(200);
      expect(JSON.parse(remote.body)).toEqual({ ErrCode: 0, ErrMsg: "" });
      expect(await stored(service, pushUuid)).toBe(1);
    } finally {
      await service.stop();
    }
  });

  it("accepts them once push authentication is configured", async () => {
    const { service, remoteUrl } = await startReachableService({ PUSH_AUTH: "basic", PUSH_BASIC_USER: "tccc", PUSH_BASIC_PASSWORD: "s3cret:with-colon" });
    try {
      const pushUuid = `remote-${randomUUID()}`;

      const remote = await push(remoteUrl(), pushUuid, { Authorization: `Basic ${Buffer.from("tccc:s3cret:with-colon").toString("base64")}` });

      expect(remote.status).toBe(200);
      expect(await stored(service, pushUuid)).toBe(1);
    } finally {
      await service.stop();
    }
  });

  it("serves /metrics to another host only with METRICS_TOKEN, or on METRICS_PORT", async () => {
    const metricsToken = "metrics-token-for-tests-0123";
    const plain = await startReachableService();
    const withToken = await startReachableService({ METRICS_TOKEN: metricsToken });
    const separatePort = await startReachableService({ METRICS_PORT: "0" });
    const host = otherHost as OtherHost;
    try {
      expect((await host.fetch(`${plain.remoteUrl()}/metrics`)).status).toBe(403);
      expect((await fetch(`${plain.service.url.replace("0.0.0.0", "127.0.0.1")}/metrics`)).status).toBe(200);

      expect((await host.fetch(`${withToken.remoteUrl()}/metrics`)).status).toBe(401);
      const authorized = await host.fetch(`${withToken.remoteUrl()}/metrics`, { headers: { Authorization: `Bearer ${metricsToken}` } });
      expect(authorized.status).toBe(200);
      expect(authorized.body).toContain("tccc_pushes_total");

      const metricsPort = new URL(separatePort.service.metricsUrl!).port;
      const scraped = await host.fetch(`${separatePort.remoteUrl(metricsPort)}/metrics`);
      expect(scraped.status).toBe(200);
      expect(scraped.body).toContain("tccc_failed_pushes");
      // not on the main port, then
      expect((await host.fetch(`${separatePort.remoteUrl()}/metrics`)).status).toBe(404);
    } finally {
      await Promise.all([plain.service.stop(), withToken.service.stop(), separatePort.service.stop()]);
    }
  });
});

describe("PUSH_AUTH=none behind a reverse proxy on this host", () => {
  let service: TestService;
  let trusting: TestService;
  beforeAll(async () => {
    service = await startTestService();
    trusting = await startTestService({ TRUST_PROXY: "loopback" });
  });
  afterAll(async () => {
    await service.stop();
    await trusting.stop();
  });

  const forwardedPush = (target: TestService, forwardedFor: string) =>
    target.push("cdr", sampleCdr(uniqueSdkAppId(), uniqueSessionId()), { pushUuid: `proxied-${randomUUID()}`, headers: { "X-Forwarded-For": forwardedFor } });

  it("refuses a forwarded push when the proxy is not trusted: its client could be anywhere", async () => {
    const answer = await forwardedPush(service, "127.0.0.1");

    expect(answer.status).toBe(403);
    expect(answer.body.ErrMsg).toBe(UNAUTHENTICATED_REMOTE_REFUSED);
  });

  it("with TRUST_PROXY, judges the client the proxy names", async () => {
    expect((await forwardedPush(trusting, "203.0.113.7")).status).toBe(403);
    expect((await forwardedPush(trusting, "127.0.0.1")).body.ErrCode).toBe(0);
  });
});
