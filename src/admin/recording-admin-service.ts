import { ConflictError, NotFoundError } from "../errors/app-errors";
import type { Sql } from "../persistence/database";
import { failedRecordingIdsAfter, listFailedRecordings, requeueTrack } from "../persistence/recordings-repository";

export interface FailedRecordingView {
  id: string;
  sdkAppId: string;
  sessionId: string;
  kind: string;
  recordId: string | null;
  recordedAt: string | null;
  attempts: number;
  error: string | null;
  updatedAt: string;
}

/** What admins do with recordings: see those whose mirror failed, and send them (or any track) to the mirror again. */
export function createRecordingAdminService(sql: Sql, queueMirrorJobs: (ids: bigint[]) => Promise<void>) {
  return {
    async listFailed(limit: number): Promise<FailedRecordingView[]> {
      const rows = await listFailedRecordings(sql, limit);
      return rows.map((row) => ({
        id: row.id.toString(),
        sdkAppId: row.sdkAppId.toString(),
        sessionId: row.sessionId,
        kind: row.kind,
        recordId: row.recordId,
        recordedAt: row.recordedAt?.toISOString() ?? null,
        attempts: row.attempts,
        error: row.error,
        updatedAt: row.updatedAt.toISOString(),
      }));
    },

    /** Every recording whose mirror failed, sent to the mirror again; counts what could be queued. */
    async remirrorFailed(onProgress: (done: number) => Promise<void> = async () => undefined): Promise<{ queued: number; inProgress: number }> {
      const counts = { queued: 0, inProgress: 0 };
      let afterId = 0n;
      for (;;) {
        const page = await failedRecordingIdsAfter(sql, afterId, 200);
        if (page.length === 0) return counts;
        const queued: bigint[] = [];
        for (const id of page) {
          afterId = id;
          if ((await requeueTrack(sql, id)) === "queued") queued.push(id);
          else counts.inProgress += 1;
        }
        await queueMirrorJobs(queued);
        counts.queued += queued.length;
        await onProgress(counts.queued + counts.inProgress);
      }
    },

    async remirror(id: bigint): Promise<void> {
      const result = await requeueTrack(sql, id);
      if (result === "not-found") throw new NotFoundError(`no recording with id ${id}`);
      if (result === "in-progress") throw new ConflictError(`recording ${id} is being mirrored right now`);
      await queueMirrorJobs([id]);
    },
  };
}

export type RecordingAdminService = ReturnType<typeof createRecordingAdminService>;
