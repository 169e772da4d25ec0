import { randomUUID } from "node:crypto";
import { nowSec, startReconcileFixture, TEST_SECRET_ID, TEST_SECRET_KEY, type ReconcileFixture } from "../support/reconcile-fixture";
import { runCli } from "../support/run-cli";
import { sampleTelCdrs } from "../support/tel-cdr-samples";
import { uniqueSdkAppId, type TestService } from "../support/test-service";

jest.setTimeout(60_000);

const HOUR = 3600;

describe("the CLI's reconcile, with a service whose workers run the windows", () => {
  const queuePrefix = `{tccc-cli-${randomUUID().slice(0, 8)}}`;
  const settings = { QUEUE_PREFIX: queuePrefix, RECONCILE_MAX_WINDOW_SEC: String(HOUR) };
  let fixture: ReconcileFixture;
  let service: TestService;
  beforeAll(async () => {
    fixture = await startReconcileFixture();
    service = await fixture.startService(settings);
  });
  afterAll(() => fixture.stop());

  const cli = (...args: string[]) =>
    runCli([...args, "--poll-ms", "200"], { ...settings, TCCC_SECRET_ID: TEST_SECRET_ID, TCCC_SECRET_KEY: TEST_SECRET_KEY, TCCC_API_ENDPOINT: fixture.fake.url });
  const sessionsOf = (appId: number) => service.database.prisma.callSession.count({ where: { sdkAppId: BigInt(appId) } });
  /** Two whole hours: two windows. */
  const lastTwoHours = () => {
    const from = (Math.floor(nowSec() / HOUR) - 3) * HOUR;
    return { from, to: from + 2 * HOUR };
  };

  it("backfills a range given in unix seconds, shows progress until every window ran, and exits 0", async () => {
    const appId = uniqueSdkAppId();
    const { from, to } = lastTwoHours();
    // none on the boundary between the windows, which the API lists in both
    fixture.fake.source.add(appId, ...sampleTelCdrs(appId, 40, from + 60, 120));

    const { code, stdout, stderr } = await cli("reconcile", "--sdk-app-id", String(appId), "--from", String(from), "--to", String(to));

    expect(code).toBe(0);
    expect(stderr).toContain(`queued 2 windows for app ${appId}`);
    expect(stderr).toContain("windows 2/2 done: 2 succeeded, 0 failed, 0 running, 0 waiting; 40 calls found missing so far");
    expect(stdout).toMatch(new RegExp(`^reconciled app ${appId}: 2/2 windows succeeded; 40 calls listed, 40 were missing, 0 updated; runs #\\d+ #\\d+\\n$`));
    expect(await sessionsOf(appId)).toBe(40);
  });

  it("--no-wait prints the queued runs (ISO times accepted) and returns at once", async () => {
    const appId = uniqueSdkAppId();
    const { from, to } = lastTwoHours();
    const iso = (sec: number) => new Date(sec * 1000).toISOString();

    const { code, stdout } = await cli("reconcile", "--sdk-app-id", String(appId), "--from", iso(from), "--to", iso(to).replace("Z", "+00:00"), "--no-wait");

    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^run #\\d+ ${iso(from)} ${iso(from + HOUR)}\nrun #\\d+ ${iso(from + HOUR)} ${iso(to)}\n$`));
    const runIds = [...stdout.matchAll(/#(\d+)/g)].map((match) => BigInt(match[1]!));
    const runs = await service.database.prisma.reconcileRun.findMany({ where: { id: { in: runIds } } });
    expect(runs.map((run) => run.sdkAppId)).toEqual([BigInt(appId), BigInt(appId)]);
  });

  it("exits 1 and says why when a window fails", async () => {
    const appId = uniqueSdkAppId();
    const from = (Math.floor(nowSec() / HOUR) - 2) * HOUR;
    fixture.fake.source.add(appId, ...sampleTelCdrs(appId, 5, from, 60));
    fixture.fake.failNext(1, { code: "InvalidParameterValue", message: "SdkAppId is not valid." });

    const { code, stdout, stderr } = await cli("reconcile", "--sdk-app-id", String(appId), "--from", String(from), "--to", String(from + HOUR));

    expect(code).toBe(1);
    expect(stderr).toMatch(/run #\d+ for .* failed: InvalidParameterValue: SdkAppId is not valid\./);
    expect(stdout).toContain(`reconciled app ${appId}: 0/1 windows succeeded`);
  });

  it("refuses a range the API cannot serve as a usage error", async () => {
    const { code, stderr } = await cli("reconcile", "--sdk-app-id", "1400482256", "--from", String(nowSec() - 200 * 86_400), "--to", String(nowSec() - 199 * 86_400));

    expect(code).toBe(2);
    expect(stderr).toContain("the range starts too far back");
  });

  it("is a usage error when reconciliation is not configured", async () => {
    const { code, stderr } = await runCli(["reconcile", "--sdk-app-id", "1400482256", "--from", "2026-11-01", "--to", "2026-11-02"], { QUEUE_PREFIX: queuePrefix });

    expect(code).toBe(2);
    expect(stderr).toContain("reconciliation is not configured: set TCCC_SECRET_ID and TCCC_SECRET_KEY");
  });
});
