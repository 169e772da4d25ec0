import { randomUUID } from "node:crypto";
import { sampleCdr } from "../support/payloads";
import { startTestService, uniqueSdkAppId, uniqueSessionId, type TestService } from "../support/test-service";

// The push route is served ahead of express (push-router.ts): these pin what it must still do as express did.
describe("the push route", () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(() => service.stop());

  const storedPush = (pushUuid: string) => service.database.prisma.pushInbox.findFirst({ where: { pushUuid } });
  const post = (path: string, pushUuid: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${service.url}${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-TCCC-PUSH-UUID": pushUuid, ...headers },
      body: JSON.stringify(body),
    });

  it.each(["/tccc/push?action=cdr", "/tccc/push/?action=cdr", "/TCCC/Push?action=cdr&version=1"])("takes a push posted to %s", async (path) => {
    const pushUuid = randomUUID();

    const response = await post(path, pushUuid, sampleCdr(uniqueSdkAppId(), uniqueSessionId()));

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ErrCode: 0, ErrMsg: "" });
    expect(await storedPush(pushUuid)).toMatchObject({ action: "cdr", status: "processed" });
  });

  it("answers other paths and methods as every other unknown route: 404 in TCCC's shape, nothing stored", async () => {
    const pushUuid = randomUUID();

    const elsewhere = await post("/tccc/pushes?action=cdr", pushUuid, sampleCdr(uniqueSdkAppId(), uniqueSessionId()));
    const get = await fetch(`${service.url}/tccc/push?action=cdr`);

    expect(elsewhere.status).toBe(404);
    expect(await elsewhere.json()).toMatchObject({ ErrCode: expect.any(Number), ErrMsg: "no route for POST /tccc/pushes" });
    expect(get.status).toBe(404);
    expect(await storedPush(pushUuid)).toBeNull();
  });

  it("echoes the proxy's X-Request-Id, and gives one when there is none", async () => {
    const given = await post("/tccc/push?action=cdr", randomUUID(), sampleCdr(uniqueSdkAppId(), uniqueSessionId()), { "X-Request-Id": "from-the-proxy" });
    const made = await post("/tccc/push?action=cdr", randomUUID(), sampleCdr(uniqueSdkAppId(), uniqueSessionId()));

    expect(given.headers.get("x-request-id")).toBe("from-the-proxy");
    expect(made.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("takes the action from the query once: a repeated action parameter is refused, not guessed", async () => {
    const pushUuid = randomUUID();

    const response = await post("/tccc/push?action=cdr&action=record", pushUuid, sampleCdr(uniqueSdkAppId(), uniqueSessionId()));

    expect(response.status).toBe(400);
    expect((await response.json()) as { ErrMsg: string }).toMatchObject({ ErrMsg: "query parameter action is required: cdr, record or voicemail" });
    expect(await storedPush(pushUuid)).toBeNull();
  });
});
