import type { Recording } from "../../../src/generated/prisma/client";
import { createLogger } from "../../../src/logging/logger";
import type { Database } from "../../../src/persistence/database";
import { parseAllowlist } from "../../../src/recording-mirror/host-allowlist";
import type { MirrorTrackDependencies } from "../../../src/recording-mirror/mirror-track";
import type { RecordingStorage } from "../../../src/recording-mirror/storage/recording-storage";
import { uniqueSdkAppId, uniqueSessionId } from "../../support/test-service";
import type { RecordingHost } from "./recording-host";

/** For tests that call mirrorTrack themselves: fetch from `host` only, into `storage`, with roomy limits. */
export function trackDependencies(prisma: Database, storage: RecordingStorage, host: RecordingHost, overrides: Partial<MirrorTrackDependencies> = {}): MirrorTrackDependencies {
  return {
    sql: prisma,
    storage,
    fetch: { allowlist: parseAllowlist([host.authority]), idleTimeoutMs: 5000 },
    customRecordUrl: "skip",
    maxAttempts: 3,
    maxBytes: 64 * 1024 * 1024,
    attemptDeadlineMs: 30_000,
    logger: createLogger("silent"),
    ...overrides,
  };
}

/** A pending call track of a fresh application and session, whose RecordURL is `url`. */
export function createPendingTrack(prisma: Database, url: string): Promise<Recording> {
  return prisma.recording.create({
    data: { sdkAppId: BigInt(uniqueSdkAppId()), sessionId: uniqueSessionId(), kind: "call", trackKey: "t1", recordId: "t1", recordUrl: url, recordedAt: new Date() },
  });
}
