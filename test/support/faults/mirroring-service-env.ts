import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { RecordingHost } from "../../recording-mirror/support/recording-host";

/**
 * Variables that make a service process mirror tracks from `host` (and nowhere else) into a fresh folder, with a
 * sweep every second that re-queues any pending track: the path by which work lost with Redis or a process returns.
 */
export function mirroringServiceEnv(host: RecordingHost): { env: Record<string, string>; storageDir: string } {
  const storageDir = mkdtempSync(path.join(tmpdir(), "tccc-faults-storage-"));
  return {
    storageDir,
    env: {
      MIRROR_ENABLED: "true",
      STORAGE_URL: pathToFileURL(storageDir).href,
      MIRROR_ALLOWED_HOSTS: host.authority,
      MIRROR_SWEEP_INTERVAL_MS: "1000",
      MIRROR_SWEEP_MIN_AGE_MS: "0",
      MIRROR_RETRY_DELAY_MS: "200",
      MIRROR_FETCH_TIMEOUT_MS: "10000",
    },
  };
}

/** How many of an application's tracks are mirrored, and with which content (record id, size, sha256). */
export const MIRRORED_TRACKS_SQL = `
  SELECT record_id, size_bytes::int AS size_bytes, sha256 FROM recordings
   WHERE sdk_app_id = $1 AND mirror_status = 'mirrored' ORDER BY record_id`;
