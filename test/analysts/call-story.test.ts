import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { sampleRecord } from "../support/payloads";
import { nowSec, useReconcileService } from "../support/reconcile-fixture";
import { runCli } from "../support/run-cli";
import { answeredInboundCall } from "../support/tel-cdr-samples";
import { uniqueSdkAppId, uniqueSessionId } from "../support/test-service";
import { craftedCdr } from "./crafted-calls";

// each test runs the CLI as operators do, in child processes: slow on a loaded machine
jest.setTimeout(60_000);

const ADMIN_TOKEN = "admin-token-for-call-story-tests-01";
const storageRoot = path.join(tmpdir(), `call-story-${process.pid}`);

describe("one call, everything we know: `cli call <SessionId>` and GET /admin/calls", () => {
  const context = useReconcileService({ ADMIN_TOKEN, STORAGE_URL: `file://${storageRoot}` });
  const appId = uniqueSdkAppId();
  const sessionId = uniqueSessionId();
  const caller = `00861${String(Date.now()).slice(-10)}`;
  const start = nowSec() - 2 * 3600;
  const iso = (unixSec: number) => new Date(unixSec * 1000).toISOString();
  const storageKey = `${appId}/story/customer-track.mp3`;
  const auth = { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } };

  beforeAll(async () => {
    const { service } = context;
    const cdr = craftedCdr(appId, sessionId, {
      direction: 0, skillGroup: [501, "Sales"], start: iso(start), queued: iso(start + 5), ring: iso(start + 8), accept: iso(start + 10), ended: iso(start + 70),
      endStatus: "ok", recordId: `${sessionId}-customer`, legs: [{ mail: "alice@example.com", ring: iso(start + 8), accept: iso(start + 10), ended: iso(start + 70), recordId: `${sessionId}-agent` }],
    });
    cdr.Caller = caller;
    // TCCC retried the CDR once; a record push arrived; another could not be read
    for (let attempt = 0; attempt < 2; attempt++) expect((await service.push("cdr", cdr, { pushUuid: `cdr-${sessionId}` })).body.ErrCode).toBe(0);
    expect((await service.push("record", sampleRecord(appId, sessionId, { RecordId: `${sessionId}-customer`, Timestamp: start + 10 }), { pushUuid: `record-${sessionId}` })).body.ErrCode).toBe(0);
    expect((await service.push("record", sampleRecord(appId, sessionId, { RecordId: `${sessionId}-agent`, RecordURL: 42 }), { pushUuid: `bad-record-${sessionId}` })).body.ErrCode).toBe(0);
    // DescribeTelCdr lists the call too, with the leg's track the failed push could not give
    context.fixture.fake.source.add(appId, answeredInboundCall(sessionId, start));
    expect(await service.reconciliation!.reconcileWindow(BigInt(appId), { start: start - 60, end: start + 600 })).toMatchObject({ status: "succeeded" });
    // the mirror is not running in these tests: store the customer track's object and mark its row as the mirror would
    await mkdir(path.join(storageRoot, path.dirname(storageKey)), { recursive: true });
    await writeFile(path.join(storageRoot, storageKey), "ID3 recorded audio");
    await service.database.prisma.recording.updateMany({
      where: { sdkAppId: BigInt(appId), sessionId, recordId: `${sessionId}-customer` },
      data: { mirrorStatus: "mirrored", storageKey, sizeBytes: 18, mirroredAt: new Date((start + 100) * 1000) },
    });
  });
  afterAll(() => rm(storageRoot, { recursive: true, force: true }));

  it("--json gives the pushes with status and duplicates, the API record, the session, legs, tracks with their objects, and one timeline", async () => {
    const run = await runCli(["call", sessionId, "--json"], { STORAGE_URL: `file://${storageRoot}` });
    expect(run.code).toBe(0);
    const { calls } = JSON.parse(run.stdout) as { calls: Record<string, any>[] };
    expect(calls).toHaveLength(1);
    const [call] = calls as [Record<string, any>];

    expect(call.sdkAppId).toBe(String(appId));
    expect(call.pushes.map((push: any) => [push.push_uuid, push.action, push.status, push.duplicate_count])).toEqual([
      [`cdr-${sessionId}`, "cdr", "processed", 1],
      [`record-${sessionId}`, "record", "processed", 0],
      [`bad-record-${sessionId}`, "record", "failed", 0],
    ]);
    expect(call.pushes[2].error).toBe("RecordURL: must be an http(s) URL, not the number 42");
    expect(call.pushes[0].body).toMatchObject({ SessionId: sessionId, Caller: caller });
    expect(call.apiRecords).toEqual([expect.objectContaining({ status: "processed", body: expect.objectContaining({ SessionId: sessionId }) })]);
    expect(call.session).toMatchObject({ session_id: sessionId, caller, source: "push" });
    expect(call.facts).toMatchObject({ answered: true, talk_sec: 60, cdr_pushed: true });
    expect(call.legs).toEqual([expect.objectContaining({ agent_mail: "alice@example.com", answered: true })]);
    const customer = call.tracks.find((track: any) => track.record_id === `${sessionId}-customer`);
    expect(customer).toMatchObject({ mirror_status: "mirrored", storage_key: storageKey });
    expect(call.storedObjects).toEqual({ [String(customer.id)]: `file://${storageRoot}/${storageKey}` });

    const times = call.timeline.map((event: any) => Date.parse(event.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(call.timeline.map((event: any) => event.what)).toEqual(
      expect.arrayContaining([
        "call started",
        "an agent answered",
        `cdr push cdr-${sessionId} received again (1 duplicates in all)`,
        `record push bad-record-${sessionId} failed: RecordURL: must be an http(s) URL, not the number 42`,
        "DescribeTelCdr listed the call",
        `call track ${sessionId}-customer mirrored (18 bytes)`,
      ]),
    );
  });

  it("prints the same story for a person, and says so when nothing is stored", async () => {
    const run = await runCli(["call", sessionId], { STORAGE_URL: `file://${storageRoot}` });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`app ${appId}, session ${sessionId}`);
    expect(run.stdout).toContain("pushes: 3, DescribeTelCdr records: 1, legs: 1, tracks: 2");
    expect(run.stdout).toMatch(new RegExp(`timeline:\\n  ${iso(start).replace(".000Z", "")}[^\\n]*call\\s+call started`));

    const unknown = await runCli(["call", "no-such-session"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("nothing is stored about session no-such-session");
  });

  it("GET /admin/calls finds the call by its caller, and GET /admin/calls/:sessionId tells its story", async () => {
    const search = await fetch(`${context.service.url}/admin/calls?q=${caller}`, auth);
    expect(await search.json()).toEqual({ calls: [expect.objectContaining({ sdkAppId: String(appId), sessionId, caller, direction: "inbound" })] });

    const story = await fetch(`${context.service.url}/admin/calls/${sessionId}`, auth);
    expect(story.status).toBe(200);
    const { calls } = (await story.json()) as { calls: { storedObjects: Record<string, string>; timeline: unknown[] }[] };
    expect(calls[0]!.timeline.length).toBeGreaterThan(10);
    expect(Object.values(calls[0]!.storedObjects)).toEqual([`file://${storageRoot}/${storageKey}`]);

    const missing = await fetch(`${context.service.url}/admin/calls/no-such-session`, auth);
    expect(missing.status).toBe(404);
    await missing.arrayBuffer();
  });
});
