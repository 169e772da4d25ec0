import { ConflictError } from "../errors/app-errors";
import type { Database } from "../persistence/database";
import type { ReconciliationService } from "../reconciliation/reconciliation-service";

export interface ReconcileRunView {
  id: string;
  sdkAppId: string;
  windowStart: string;
  windowEnd: string;
  status: string;
  fetched: number;
  created: number;
  updated: number;
  unchanged: number;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
  /** Sessions no push had delivered (at most MISSING_SHOWN of them; `missingCount` has the total). */
  missingSessionIds: string[];
  missingCount: number;
}

const MISSING_SHOWN = 50;

/** What admins do with reconciliation: ask for a range, and see the runs with what they found missing. */
export function createReconcileAdminService(prisma: Database, reconciliation: ReconciliationService | undefined) {
  return {
    enabled: reconciliation !== undefined,

    async requestRange(sdkAppId: number, from: Date, to: Date): Promise<string[]> {
      if (!reconciliation) throw new ConflictError("reconciliation is disabled: set TCCC_SECRET_ID and TCCC_SECRET_KEY");
      const request = await reconciliation.requestBackfill(sdkAppId, from, to);
      return request.runIds.map(String);
    },

    async listRuns(filter: { sdkAppId?: bigint; status?: string }, limit: number): Promise<ReconcileRunView[]> {
      const runs = await prisma.reconcileRun.findMany({
        where: { sdkAppId: filter.sdkAppId, status: filter.status },
        orderBy: { id: "desc" },
        take: limit,
        include: { missingSessions: { take: MISSING_SHOWN, select: { sessionId: true } }, _count: { select: { missingSessions: true } } },
      });
      return runs.map((run) => ({
        id: run.id.toString(),
        sdkAppId: run.sdkAppId.toString(),
        windowStart: run.windowStart.toISOString(),
        windowEnd: run.windowEnd.toISOString(),
        status: run.status,
        fetched: run.fetched,
        created: run.created,
        updated: run.updated,
        unchanged: run.unchanged,
        startedAt: run.startedAt.toISOString(),
        finishedAt: run.finishedAt?.toISOString() ?? null,
        error: run.error,
        missingSessionIds: run.missingSessions.map((missing) => missing.sessionId),
        missingCount: run._count.missingSessions,
      }));
    },
  };
}

export type ReconcileAdminService = ReturnType<typeof createReconcileAdminService>;
