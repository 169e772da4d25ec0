import { sampleRecord } from "../support/payloads";
import { nowSec, useReconcileService } from "../support/reconcile-fixture";
import { runCli } from "../support/run-cli";
import { answeredInboundCall } from "../support/tel-cdr-samples";
import { uniqueSdkAppId, uniqueSessionId } from "../support/test-service";
import { craftedCdr, viewRows } from "./crafted-calls";

// each test runs the CLI as operators do, in child processes: slow on a loaded machine
jest.setTimeout(60_000);

const ADMIN_TOKEN = "admin-token-for-report-tests-0123";

/** The local day (Asia/Shanghai, the default ANALYTICS_TIME_ZONE) of a unix time. */
const localDay = (unixSec: number) => new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(new Date(unixSec * 1000));

describe("the completeness report: per application and local day, did everything arrive?", () => {
  const context = useReconcileService({ ADMIN_TOKEN });
  const appId = uniqueSdkAppId();
  const start = nowSec() - 2 * 3600;
  const day = localDay(start);
  const [complete, tracksLost, pushLost] = [uniqueSessionId(), uniqueSessionId(), uniqueSessionId()];
  const iso = (unixSec: number) => new Date(unixSec * 1000).toISOString();

  beforeAll(async () => {
    const { service } = context;
    const answered = (recordId: string) => ({
      direction: 0 as const, skillGroup: [501, "Sales"] as [number, string], start: iso(start), queued: iso(start + 5), accept: iso(start + 10), ended: iso(start + 70),
      endStatus: "ok", recordId: `${recordId}-customer`, legs: [{ mail: "alice@example.com", ring: iso(start + 6), accept: iso(start + 10), ended: iso(start + 70), recordId: `${recordId}-agent` }],
    });
    // pushed, with both its tracks: one mirrored 30 s after the call ended, one failed
    expect((await service.push("cdr", craftedCdr(appId, complete, answered("complete")))).body.ErrCode).toBe(0);
    for (const recordId of ["complete-customer", "complete-agent"]) expect((await service.push("record", sampleRecord(appId, complete, { RecordId: recordId }))).body.ErrCode).toBe(0);
    const prisma = service.database.prisma;
    await prisma.recording.updateMany({ where: { sdkAppId: BigInt(appId), recordId: "complete-customer" }, data: { mirrorStatus: "mirrored", mirroredAt: new Date((start + 100) * 1000) } });
    await prisma.recording.updateMany({ where: { sdkAppId: BigInt(appId), recordId: "complete-agent" }, data: { mirrorStatus: "failed", mirrorError: "404 from the vendor" } });
    // pushed, but neither of its tracks ever came
    expect((await service.push("cdr", craftedCdr(appId, tracksLost, answered("lost")))).body.ErrCode).toBe(0);
    // its push was lost: only DescribeTelCdr knows it (with both tracks, pending)
    context.fixture.fake.source.add(appId, answeredInboundCall(pushLost, start));
    expect(await service.reconciliation!.reconcileWindow(BigInt(appId), { start: start - 60, end: start + 600 })).toMatchObject({ status: "succeeded", created: 1 });
  });

  const expectedDay = {
    day,
    calls: 3,
    calls_pushed: 2,
    calls_reconciled_only: 1,
    calls_missing_tracks: 1,
    tracks: 4,
    tracks_mirrored: 1,
    tracks_pending: 2,
    tracks_failed: 1,
    tracks_skipped: 0,
    end_to_mirrored_p50_sec: 30,
    end_to_mirrored_p95_sec: 30,
  };

  it("daily_completeness counts calls pushed and lost, calls missing tracks, tracks by mirror state, and the delays", async () => {
    const [row, ...others] = await viewRows(context.service.database.prisma, "daily_completeness", appId, "day");
    expect(others).toEqual([]);
    expect(row).toMatchObject(expectedDay);
    // three pushes, each stored within its own request
    expect(row!.push_to_stored_p50_sec).toEqual(expect.any(Number));
    expect(row!.push_to_stored_p95_sec as number).toBeGreaterThanOrEqual(row!.push_to_stored_p50_sec as number);
    expect(row!.push_to_stored_p95_sec as number).toBeLessThan(10);
  });

  it("`cli report` prints the same days, as a table or as JSON", async () => {
    const json = await runCli(["report", "--from", day, "--to", day, "--sdk-app-id", String(appId), "--json"]);
    expect(json.stderr).toBe("");
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      days: [
        expect.objectContaining({
          sdkAppId: String(appId), day, calls: 3, callsPushed: 2, callsReconciledOnly: 1, callsMissingTracks: 1,
          tracks: 4, tracksMirrored: 1, tracksPending: 2, tracksFailed: 1, tracksSkipped: 0, endToMirroredP50Sec: 30, endToMirroredP95Sec: 30,
        }),
      ],
    });

    const table = await runCli(["report", "--from", day, "--to", day, "--sdk-app-id", String(appId)]);
    expect(table.code).toBe(0);
    const [header, line] = table.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^app\s+day\s+calls\s+pushed\s+reconciled only\s+missing tracks\s+tracks\s+mirrored\s+pending\s+failed\s+skipped/);
    expect(line!.split(/\s{2,}/).slice(0, 11)).toEqual([String(appId), day, "3", "2", "1", "1", "4", "1", "2", "1", "0"]);
  });

  it("`cli report` refuses a range it cannot read, saying why", async () => {
    const wrong = await runCli(["report", "--from", "2026-02-30", "--to", "2026-03-01"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--from must be a day as YYYY-MM-DD, not "2026-02-30"');
    const reversed = await runCli(["report", "--from", "2026-03-02", "--to", "2026-03-01"]);
    expect(reversed.code).toBe(2);
    expect(reversed.stderr).toContain("--from (2026-03-02) is after --to (2026-03-01)");
  });

  it("GET /admin/report answers the same days as JSON", async () => {
    const response = await fetch(`${context.service.url}/admin/report?from=${day}&to=${day}&sdkAppId=${appId}`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ days: [expect.objectContaining({ sdkAppId: String(appId), day, calls: 3, callsReconciledOnly: 1, tracksFailed: 1 })] });
    const reversed = await fetch(`${context.service.url}/admin/report?from=${day}&to=2000-01-01`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(reversed.status).toBe(400);
    await reversed.arrayBuffer();
  });
});
