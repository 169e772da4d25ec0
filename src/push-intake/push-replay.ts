import { NotFoundError } from "../errors/app-errors";
import { saveCallRecords } from "../persistence/call-records-repository";
import { TRANSACTION_OPTIONS, type Database } from "../persistence/database";
import { lockPush, recordPushReplay, type PushStatus } from "../persistence/push-inbox-repository";
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
    const stored = await lockPush(tx, pushUuid);
    if (!stored) throw new NotFoundError(`no push with uuid ${pushUuid}`);
    if (!(PUSH_ACTIONS as readonly string[]).includes(stored.action)) throw new Error(`push ${pushUuid} has unknown action ${stored.action}`);

    const interpretation = interpretPush(stored.action as PushAction, JSON.parse(stored.body));
    const saved = interpretation.ok ? await saveCallRecords(tx, interpretation.records, "push") : undefined;
    const status: PushStatus = interpretation.ok ? "processed" : "failed";
    const error = interpretation.ok ? null : interpretation.error;
    await recordPushReplay(tx, pushUuid, { status, error, sdkAppId: interpretation.sdkAppId, sessionId: interpretation.sessionId });
    return { pushUuid, status, error, recordingIdsToMirror: saved?.recordingIdsToMirror ?? [] };
  }, TRANSACTION_OPTIONS);
}
