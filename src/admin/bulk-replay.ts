export interface ReplayCounts {
  total: number;
  replayed: number;
  processed: number;
  failed: number;
}

/**
 * Replays every stored row a filter matches, oldest first, a page at a time (so that thousands of rows are never held
 * at once and rows stored meanwhile are not skipped by an offset), reporting progress after each page.
 */
export async function replayInPages<Row extends { id: bigint }>(options: {
  total: number;
  /** The next rows after `afterId`, by id. */
  page(afterId: bigint): Promise<Row[]>;
  replay(row: Row): Promise<{ status: "processed" | "failed" }>;
  onProgress(done: number, total: number): Promise<void>;
}): Promise<ReplayCounts> {
  const counts: ReplayCounts = { total: options.total, replayed: 0, processed: 0, failed: 0 };
  let afterId = 0n;
  for (;;) {
    const rows = await options.page(afterId);
    if (rows.length === 0) return counts;
    for (const row of rows) {
      const outcome = await options.replay(row);
      counts.replayed += 1;
      counts[outcome.status] += 1;
      afterId = row.id;
    }
    await options.onProgress(counts.replayed, options.total);
  }
}

export const REPLAY_PAGE_SIZE = 100;
