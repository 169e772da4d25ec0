import { NotFoundError } from "../errors/app-errors";
import { saveCallRecords } from "../persistence/call-records-repository";
import { TRANSACTION_OPTIONS, type Database } from "../persistence/database";
import type { PushStatus } from "../persistence/push-inbox-repository";
import { PUSH_ACTIONS, type PushAction } from "../tccc/payloads";
import { interpretPush } from "../tccc/interpret";

export interface ReplayOutcome {
  pushUuid: string;
  status: PushStatus;
  error: string | null;
  recordingIdsToMirror: bigint[];
}

/**
 * Runs the stored raw body through today's normalization again: after a fix of the code (or of a mapping), a push
 * stored as failed can succeed. Idempotent: the merge-upserts leave rows unchanged when nothing new is learned, and
 * the row lock serializes concurrent replays of the same push.
 */
export async function replayPush(prisma: Database, pushUuid: string): Promise<ReplayOutcome> {
  return prisma.$transaction(async (tx) => {
    const [stored] = await tx.$queryRaw<{ action: string; body: string }[]>`
      SELECT action, body::text AS body FROM push_inbox WHERE push_uuid = ${pushUuid} FOR UPDATE`;
    if (!stored) throw new NotFoundError(`no push with uuid ${pushUuid}`);
    if (!(PUSH_ACTIONS as readonly string[]).includes(stored.action)) throw new Error(`push ${pushUuid} has unknown action ${stored.action}`);

    const interpretation = interpretPush(stored.action as PushAction, JSON.parse(stored.body));
    const saved = interpretation.ok ? await saveCallRecords(tx, interpretation.records, "push") : undefined;
    const status: PushStatus = interpretation.ok ? "processed" : "failed";
    const error = interpretation.ok ? null : interpretation.error;
    await tx.$executeRaw`
      UPDATE push_inbox
      SET status = ${status}, error = ${error},
          processed_at = CASE WHEN ${status} = 'processed' THEN COALESCE(processed_at, now()) END,
          sdk_app_id = COALESCE(${interpretation.sdkAppId ?? null}::bigint, sdk_app_id),
          session_id = COALESCE(${interpretation.sessionId ?? null}, session_id),
          replay_count = replay_count + 1, last_replayed_at = now()
      WHERE push_uuid = ${pushUuid}`;
    return { pushUuid, status, error, recordingIdsToMirror: saved?.recordingIdsToMirror ?? [] };
  }, TRANSACTION_OPTIONS);
}
