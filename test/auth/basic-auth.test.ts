import { sampleCdr } from "../support/payloads";
import { startTestService, uniqueSdkAppId, uniqueSessionId, type TestService } from "../support/test-service";

const USER = "tccc";
const PASSWORD = "s3cret:with:colons";
const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` });

describe("pushes with PUSH_AUTH=basic", () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ PUSH_AUTH: "basic", PUSH_BASIC_USER: USER, PUSH_BASIC_PASSWORD: PASSWORD });
  });
  afterAll(() => service.stop());

  it("accepts the configured credentials, a password containing ':' included", async () => {
    const appId = uniqueSdkAppId();

    const answer = await service.push("cdr", sampleCdr(appId, uniqueSessionId()), { headers: basic(USER, PASSWORD) });

    expect(answer.body).toEqual({ ErrCode: 0, ErrMsg: "" });
    expect(await service.database.prisma.callSession.count({ where: { sdkAppId: BigInt(appId) } })).toBe(1);
  });

  it.each([
    ["no credentials", {}, "missing or malformed Basic credentials"],
    ["a password cut at its second colon", basic(USER, "s3cret:with"), "invalid username or password"],
    ["a wrong user", basic("someone", PASSWORD), "invalid username or password"],
    ["a Bearer token", { Authorization: "Bearer abc" }, "missing or malformed Basic credentials"],
  ])("refuses %s with 401, a non-zero ErrCode, and stores nothing", async (_case, headers, message) => {
    const appId = uniqueSdkAppId();

    const answer = await service.push("cdr", sampleCdr(appId, uniqueSessionId()), { headers });

    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ ErrCode: 1401, ErrMsg: message });
    expect(answer.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
    expect(await service.database.prisma.pushInbox.count({ where: { sdkAppId: BigInt(appId) } })).toBe(0);
  });
});
