import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Recording } from "../../../src/generated/prisma/client";
import type { Database } from "../../../src/persistence/database";
import { sampleRecord } from "../../support/payloads";
import { startTestService, uniqueSdkAppId, uniqueSessionId, type TestService } from "../../support/test-service";

export interface MirrorTestService extends TestService {
  /** The file backend's root, a fresh temporary folder. */
  storageDir: string;
  /** Pushes a record for a fresh app and session and resolves with its row once the mirror is done with it. */
  pushRecordAndSettle(recordUrl: string, overrides?: Record<string, unknown>): Promise<Recording>;
}

/** The real service with the mirror on, a file backend in a temporary folder, quick retries and no sweep. */
export async function startMirrorService(overrides: Record<string, string> = {}): Promise<MirrorTestService> {
  const storageDir = await mkdtemp(path.join(tmpdir(), "mirror-test-"));
  const service = await startTestService({
    MIRROR_ENABLED: "true",
    STORAGE_URL: pathToFileURL(storageDir).href,
    // another test file's sweep would take this file's rows and refuse their URLs (other allowlist)
    MIRROR_SWEEP_INTERVAL_MS: "0",
    MIRROR_RETRY_DELAY_MS: "20",
    MIRROR_FETCH_TIMEOUT_MS: "2000",
    MIRROR_MAX_ATTEMPTS: "3",
    ...overrides,
  });
  return {
    ...service,
    storageDir,
    async pushRecordAndSettle(recordUrl, recordOverrides = {}) {
      const appId = uniqueSdkAppId();
      const sessionId = uniqueSessionId();
      const answer = await service.push("record", sampleRecord(appId, sessionId, { RecordURL: recordUrl, ...recordOverrides }));
      if (answer.body.ErrCode !== 0) throw new Error(`push refused: ${answer.body.ErrMsg}`);
      return settledRecording(service.database.prisma, BigInt(appId), sessionId);
    },
    async stop() {
      await service.stop();
      await rm(storageDir, { recursive: true, force: true });
    },
  };
}

/** The session's one recording, once its mirror_status is no longer `pending`. */
export async function settledRecording(prisma: Database, sdkAppId: bigint, sessionId: string, timeoutMs = 20_000): Promise<Recording> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await prisma.recording.findFirst({ where: { sdkAppId, sessionId } });
    if (row && row.mirrorStatus !== "pending") return row;
    if (Date.now() > deadline) throw new Error(`recording of ${sessionId} still ${row?.mirrorStatus ?? "absent"} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Every recording of an application, once `count` exist and none is `pending` any more. */
export async function settledRecordings(prisma: Database, sdkAppId: bigint, count: number, timeoutMs = 60_000): Promise<Recording[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await prisma.recording.findMany({ where: { sdkAppId }, orderBy: { id: "asc" } });
    if (rows.length === count && rows.every((row) => row.mirrorStatus !== "pending")) return rows;
    if (Date.now() > deadline) throw new Error(`${rows.filter((row) => row.mirrorStatus !== "pending").length} of ${count} recordings of ${sdkAppId} settled after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every file under a folder, relative to it, with / separators. */
export async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"));
}
