import { applyAnalyticsSettings } from "../../src/analytics/analytics-settings";
import { loadConfig } from "../../src/config/env";
import { createLogger } from "../../src/logging/logger";
import { StartupError } from "../../src/errors/startup-error";
import type { Prisma } from "../../src/generated/prisma/client";
import { startTestService, uniqueSdkAppId, uniqueSessionId, type TestService } from "../support/test-service";
import { craftedCdr } from "./crafted-calls";

const logger = createLogger("silent");

/** Rolls back whatever `work` changed: other test files read the same one-row settings table meanwhile. */
class RolledBack extends Error {}
async function inRolledBackTransaction(service: TestService, work: (tx: Prisma.TransactionClient) => Promise<void>) {
  await expect(
    service.database.prisma.$transaction(async (tx) => {
      await work(tx);
      throw new RolledBack();
    }),
  ).rejects.toBeInstanceOf(RolledBack);
}

describe("days in the contact center's time zone (ANALYTICS_TIME_ZONE)", () => {
  let service: TestService;
  const appId = uniqueSdkAppId();
  const sessionId = uniqueSessionId();

  beforeAll(async () => {
    service = await startTestService();
    // 23:30 UTC on 1 March is 07:30 on 2 March in Shanghai, and still 1 March in UTC and New York
    const call = { direction: 0 as const, skillGroup: [501, "Sales"] as [number, string], start: "2026-03-01T23:30:00Z", queued: "2026-03-01T23:30:00Z", accept: "2026-03-01T23:30:20Z", ended: "2026-03-01T23:31:20Z", endStatus: "ok" };
    expect((await service.push("cdr", craftedCdr(appId, sessionId, call))).body.ErrCode).toBe(0);
  });
  afterAll(() => service.stop());

  it("is Asia/Shanghai unless configured, and only an IANA name is accepted", () => {
    expect(loadConfig({}).ANALYTICS_TIME_ZONE).toBe("Asia/Shanghai");
    expect(loadConfig({ ANALYTICS_TIME_ZONE: "America/New_York" }).ANALYTICS_TIME_ZONE).toBe("America/New_York");
    for (const wrong of ["+08:00", "CST", "Mars/Olympus_Mons", "asia/shanghai "]) {
      expect(() => loadConfig({ ANALYTICS_TIME_ZONE: wrong })).toThrow(/ANALYTICS_TIME_ZONE: must be an IANA time zone name/);
    }
  });

  it("decides the day of every daily view, and a new zone changes them without a migration", async () => {
    const dayOf = async (tx: Prisma.TransactionClient) => {
      const [facts] = await tx.$queryRaw<{ day: string }[]>`SELECT start_date::text AS day FROM call_facts WHERE sdk_app_id = ${BigInt(appId)}`;
      const [totals] = await tx.$queryRaw<{ day: string }[]>`SELECT day::text AS day FROM daily_skill_group_totals WHERE sdk_app_id = ${BigInt(appId)}`;
      return [facts?.day, totals?.day];
    };
    expect(await dayOf(service.database.prisma)).toEqual(["2026-03-02", "2026-03-02"]);

    await inRolledBackTransaction(service, async (tx) => {
      await applyAnalyticsSettings(tx, "America/New_York", logger);
      const [setting] = await tx.$queryRaw<{ zone: string }[]>`SELECT analytics_time_zone() AS zone`;
      expect(setting?.zone).toBe("America/New_York");
      expect(await dayOf(tx)).toEqual(["2026-03-01", "2026-03-01"]);
    });
  });

  it("stops the start on a zone PostgreSQL does not know, rather than break every view", async () => {
    await expect(service.database.prisma.$transaction((tx) => applyAnalyticsSettings(tx, "Europe/Atlantis", logger))).rejects.toThrow(StartupError);
    const [setting] = await service.database.prisma.$queryRaw<{ zone: string }[]>`SELECT analytics_time_zone() AS zone`;
    expect(setting?.zone).toBe("Asia/Shanghai");
  });
});
