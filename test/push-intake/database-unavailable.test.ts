import { sampleCdr } from "../support/payloads";
import { closedPort } from "../support/ports";
import { startTestService, uniqueSdkAppId, uniqueSessionId, type TestService } from "../support/test-service";

describe("when PostgreSQL is unreachable", () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({
      DATABASE_URL: `postgresql://postgres@127.0.0.1:${await closedPort()}/tccc`,
      DATABASE_CONNECT_TIMEOUT_MS: "500",
    });
  });
  afterAll(() => service.stop());

  it("answers pushes with ErrCode 1503 so TCCC retries, and the process keeps serving", async () => {
    const first = await service.push("cdr", sampleCdr(uniqueSdkAppId(), uniqueSessionId()));
    const second = await service.push("record", { SdkAppId: 1, SessionId: "s", RecordId: "r" });
    const health = await fetch(`${service.url}/healthz`);

    expect(first.status).toBe(503);
    expect(first.body).toEqual({ ErrCode: 1503, ErrMsg: "database unavailable, push not stored; retry later" });
    expect(second.body.ErrCode).toBe(1503);
    expect(health.status).toBe(200);
  });
});
