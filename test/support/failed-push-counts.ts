import type { Database } from "../../src/persistence/database";

export interface FailedCount {
  action: string;
  sdk_app_id: string;
  count: number;
}

/**
 * push_inbox_failed_counts and the failed pushes themselves, per action and application, read in one snapshot: equal
 * at every commit, whatever other test files write meanwhile.
 */
export function failedCountsAndTruth(db: Database): Promise<{ counted: FailedCount[]; actual: FailedCount[] }> {
  return db.$transaction(
    async (tx) => ({
      counted: await tx.$queryRaw<FailedCount[]>`
        SELECT action, sdk_app_id::text, count::int FROM push_inbox_failed_counts WHERE count <> 0 ORDER BY 1, 2`,
      actual: await tx.$queryRaw<FailedCount[]>`
        SELECT action, COALESCE(sdk_app_id, 0)::text AS sdk_app_id, count(*)::int AS count FROM push_inbox
        WHERE status = 'failed' GROUP BY 1, 2 ORDER BY 1, 2`,
    }),
    { isolationLevel: "RepeatableRead" },
  );
}
