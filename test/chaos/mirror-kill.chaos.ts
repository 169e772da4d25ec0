import { createHash } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import type { Client } from "pg";
import { audio, startRecordingHost, trickle, type RecordingHost } from "../recording-mirror/support/recording-host";
import { filesUnder } from "../recording-mirror/support/mirror-service";
import { callPushes } from "../support/faults/call-pushes";
import { startFaultEnvironment, type FaultEnvironment } from "../support/faults/fault-environment";
import { MIRRORED_TRACKS_SQL, mirroringServiceEnv } from "../support/faults/mirroring-service-env";
import { streamPushes } from "../support/faults/push-load";
import { startServiceProcess } from "../support/faults/service-process";
import { waitFor } from "../support/faults/wait-for";
import { uniqueSdkAppId } from "../support/test-service";

const CALLS = 4;
const TRACKS = CALLS * 2;
const TRACK_BYTES = 2 * 1024 * 1024;

describe("recording mirror killed half-way and started again", () => {
  let env: FaultEnvironment;
  let host: RecordingHost;
  const storageDirs: string[] = [];
  // the same recordings for both applications, in the order their tracks are pushed
  const recordings = Array.from({ length: TRACKS }, () => audio(TRACK_BYTES));
  beforeAll(async () => {
    env = await startFaultEnvironment();
    host = await startRecordingHost();
  });
  afterAll(async () => {
    await host.close();
    await Promise.all(storageDirs.map((dir) => rm(dir, { recursive: true, force: true })));
    await env.destroy();
  });

  /** Pushes the calls of `sdkAppId`; each track's recording is served slowly (about 3 s), so a kill finds some mid-copy. */
  async function pushCalls(baseUrl: string, sdkAppId: number): Promise<void> {
    let next = 0;
    const recordUrl = (sessionId: string, recordId: string) => {
      const { bytes } = recordings[next++]!;
      host.serve(`/${sessionId}/${recordId}.mp3`, trickle(bytes, 20, 150));
      return host.url(`/${sessionId}/${recordId}.mp3`);
    };
    const outcomes = await streamPushes(() => baseUrl, callPushes(sdkAppId, { calls: CALLS, recordUrl }), 1).finished();
    expect(outcomes.every((outcome) => outcome.acknowledged)).toBe(true);
  }
  const mirroredTracks = (db: Client, sdkAppId: number) =>
    db.query<{ record_id: string; size_bytes: number; sha256: string }>(MIRRORED_TRACKS_SQL, [sdkAppId]).then((result) => result.rows);
  const allMirrored = (sdkAppId: number) => env.withDatabase(async (db) => ((await mirroredTracks(db, sdkAppId)).length === TRACKS ? true : undefined));
  const startMirroring = () => {
    const mirroring = mirroringServiceEnv(host);
    storageDirs.push(mirroring.storageDir);
    return { storageDir: mirroring.storageDir, start: () => startServiceProcess({ env: { ...env.serviceEnv, ...mirroring.env, MIRROR_CONCURRENCY: "4" } }) };
  };
  /** The objects under their final keys (not the half-written files of .incoming), with the sha256 of their bytes. */
  const storedObjects = async (storageDir: string) =>
    Promise.all(
      (await filesUnder(storageDir))
        .filter((key) => !key.startsWith(".incoming/"))
        .map(async (key) => ({ key, sha256: createHash("sha256").update(await readFile(path.join(storageDir, key))).digest("hex") })),
    );

  it("ends with every track mirrored once, byte for byte, as a run that was never interrupted", async () => {
    const [cleanAppId, killedAppId] = [uniqueSdkAppId(), uniqueSdkAppId()];

    const cleanStorage = startMirroring();
    const clean = await cleanStorage.start();
    await pushCalls(clean.url, cleanAppId);
    await waitFor("the clean mirror", () => allMirrored(cleanAppId), { timeoutMs: 120_000 });
    expect(await clean.signal("SIGTERM")).toEqual({ code: 0, signal: null });

    const killedStorage = startMirroring();
    const killed = await killedStorage.start();
    await pushCalls(killed.url, killedAppId);
    const mirroredAtKill = await waitFor("some tracks to be mirrored while others are being copied", () =>
      env.withDatabase(async (db) => {
        const done = (await mirroredTracks(db, killedAppId)).length;
        return done >= 2 ? done : undefined;
      }),
    );
    await killed.signal("SIGKILL");
    const restarted = await killedStorage.start();
    const restartedAt = performance.now();
    // tracks the killed process was copying stay leased to it until the lease (120 s) runs out; the sweep then retries
    await waitFor("the mirror to finish after the restart", () => allMirrored(killedAppId), { timeoutMs: 240_000 });
    const finishedAfterSec = (performance.now() - restartedAt) / 1000;
    await restarted.signal("SIGTERM");

    const [cleanRows, killedRows, killedKeys] = await env.withDatabase(async (db) => [
      await mirroredTracks(db, cleanAppId),
      await mirroredTracks(db, killedAppId),
      (await db.query<{ storage_key: string; sha256: string }>("SELECT storage_key, sha256 FROM recordings WHERE sdk_app_id = $1", [killedAppId])).rows,
    ] as const);
    const objects = await storedObjects(killedStorage.storageDir);
    const leftovers = (await filesUnder(killedStorage.storageDir)).filter((key) => key.startsWith(".incoming/"));
    console.log(
      `mirror of ${TRACKS} tracks of ${TRACK_BYTES / 1024 / 1024} MB killed with ${mirroredAtKill} mirrored; finished ${finishedAfterSec.toFixed(1)} s after the restart; ` +
        `${objects.length} objects stored, ${leftovers.length} half-written files left in .incoming by the killed process`,
    );

    const content = (rows: { size_bytes: number; sha256: string }[]) => rows.map(({ size_bytes, sha256 }) => `${size_bytes} ${sha256}`).sort();
    expect(mirroredAtKill).toBeLessThan(TRACKS);
    expect(content(killedRows)).toEqual(content(cleanRows));
    expect(content(killedRows)).toEqual(recordings.map(({ bytes, sha256 }) => `${bytes.length} ${sha256}`).sort());
    // one object per track, under the key its row names, holding the bytes its row's sha256 says
    const byKey = (a: { storage_key: string }, b: { storage_key: string }) => (a.storage_key < b.storage_key ? -1 : 1);
    expect(objects.map(({ key, sha256 }) => ({ storage_key: key, sha256 })).sort(byKey)).toEqual([...killedKeys].sort(byKey));
  });
});
