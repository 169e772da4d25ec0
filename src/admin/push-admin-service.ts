import { z } from "zod";
import type { Database } from "../persistence/database";
import { countPushes, listPushes, pushesAfter, type PushSelection } from "../persistence/push-inbox-repository";
import { replayPush, type ReplayOutcome } from "../push-intake/push-replay";
import { PUSH_ACTIONS } from "../tccc/payloads";
import { REPLAY_PAGE_SIZE, replayInPages } from "./bulk-replay";

export const pushFilterSchema = z.object({
  status: z.enum(["processed", "failed"]).optional(),
  action: z.enum(PUSH_ACTIONS).optional(),
  // digits, not bigint: the filter also travels in job payloads, as JSON
  sdkAppId: z.string().regex(/^\d{1,19}$/, "must be a number").optional(),
});
export type PushFilter = z.output<typeof pushFilterSchema>;

export interface PushView {
  pushUuid: string;
  action: string;
  sdkAppId: string | null;
  sessionId: string | null;
  status: string;
  error: string | null;
  duplicateCount: number;
  replayCount: number;
  receivedAt: string;
  processedAt: string | null;
  lastReplayedAt: string | null;
}

export interface PushAdminDependencies {
  prisma: Database;
  onRecordingsStored?: (recordingIds: bigint[]) => Promise<void>;
}

/** What admins do with stored pushes: look at them and replay them. */
export function createPushAdminService({ prisma, onRecordingsStored }: PushAdminDependencies) {
  const selection = (filter: PushFilter): PushSelection => ({
    status: filter.status,
    action: filter.action,
    sdkAppId: filter.sdkAppId === undefined ? undefined : BigInt(filter.sdkAppId),
  });

  async function replay(pushUuid: string): Promise<ReplayOutcome> {
    const outcome = await replayPush(prisma, pushUuid);
    if (outcome.recordingIdsToMirror.length > 0) await onRecordingsStored?.(outcome.recordingIdsToMirror).catch(() => undefined);
    return outcome;
  }

  return {
    async list(filter: PushFilter, limit: number): Promise<PushView[]> {
      const rows = await listPushes(prisma, selection(filter), limit);
      return rows.map((row) => ({
        pushUuid: row.pushUuid,
        action: row.action,
        sdkAppId: row.sdkAppId?.toString() ?? null,
        sessionId: row.sessionId,
        status: row.status,
        error: row.error,
        duplicateCount: row.duplicateCount,
        replayCount: row.replayCount,
        receivedAt: row.receivedAt.toISOString(),
        processedAt: row.processedAt?.toISOString() ?? null,
        lastReplayedAt: row.lastReplayedAt?.toISOString() ?? null,
      }));
    },

    replay,

    /** Replays every push matching the filter, oldest first, in pages; reports progress as it goes. */
    async replayMatching(filter: PushFilter, onProgress: (done: number, total: number) => Promise<void> = async () => undefined) {
      return replayInPages({
        total: await countPushes(prisma, selection(filter)),
        page: (afterId) => pushesAfter(prisma, selection(filter), afterId, REPLAY_PAGE_SIZE),
        replay: ({ pushUuid }) => replay(pushUuid),
        onProgress,
      });
    },
  };
}

export type PushAdminService = ReturnType<typeof createPushAdminService>;
