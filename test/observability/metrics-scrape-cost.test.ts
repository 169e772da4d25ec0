import { createLogger } from "../../src/logging/logger";
import type { Database } from "../../src/persistence/database";
import { createMetrics } from "../../src/observability/metrics";
import { registerStateGauges } from "../../src/observability/state-gauges";
import { startTestService, type TestService } from "../support/test-service";

function metricValue(text: string, line: string): number {
  const found = text.split("\n").find((candidate) => candidate.startsWith(`${line} `));
  return found ? Number(found.split(" ").pop()) : 0;
}

/** The real client, counting every SQL statement the gauges send to PostgreSQL. */
function countingQueries(prisma: Database): { sql: Database; count: () => number } {
  let count = 0;
  const sql = new Proxy(prisma, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function" || !String(property).startsWith("$query")) return value;
      return (...args: unknown[]) => {
        count += 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { sql, count: () => count };
}

describe("the cost of a scrape", () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ METRICS_STATE_INTERVAL_SEC: "3600" });
  });
  afterAll(() => service.stop());

  it("100 scrapes in a row read the stored state once", async () => {
    const texts: string[] = [];
    for (let scrape = 0; scrape < 100; scrape++) texts.push(await (await fetch(`${service.url}/metrics`)).text());

    const last = texts[texts.length - 1] ?? "";
    expect(metricValue(last, 'tccc_state_refreshes_total{outcome="succeeded"}')).toBe(1);
    expect(metricValue(last, 'tccc_state_refreshes_total{outcome="failed"}')).toBe(0);
    // and every one of them carried the gauges
    for (const text of texts) expect(text).toMatch(/^tccc_failed_pushes \d+$/m);
  });

  it("counts the queries themselves: one reading's worth for 100 scrapes, concurrent ones included, and a new reading once the interval is over", async () => {
    const metrics = createMetrics();
    const { sql, count } = countingQueries(service.database.prisma);
    let clock = Date.now();
    registerStateGauges(metrics, { prisma: sql, jobs: service.jobs, queueIds: ["replay-pushes"], logger: createLogger("silent"), intervalSec: 30, now: () => clock });

    await metrics.registry.metrics();
    const perReading = count();
    expect(perReading).toBeGreaterThan(0);

    await Promise.all(Array.from({ length: 20 }, () => metrics.registry.metrics()));
    for (let scrape = 0; scrape < 80; scrape++) await metrics.registry.metrics();
    expect(count()).toBe(perReading);

    clock += 29_000;
    await metrics.registry.metrics();
    expect(count()).toBe(perReading);
    clock += 1_000;
    await metrics.registry.metrics();
    expect(count()).toBe(2 * perReading);
  });
});
