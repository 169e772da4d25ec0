import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../logging/logger";
import { TRANSACTION_OPTIONS, type Database } from "../persistence/database";
import { classifyDatabaseError, TransactionConflictError } from "../persistence/database-errors";
import { addRunCounts, emptyRunCounts, finishRun, recordMissingSessions, startRun, type RunCounts } from "../persistence/reconcile-runs-repository";
import type { RateLimiter } from "./rate-limiter";
import { TEL_CDR_PAGE_SIZE, type TelCdrApi, type TelCdrPage } from "./tel-cdr-api";
import { TelCdrApiError } from "./tel-cdr-errors";
import { describeFailedRecord, interpretTelCdrPage, type TelCdrInterpretation } from "../tccc/interpret";
import { saveTelCdrs } from "./tel-cdr-records";
import type { TimeWindow } from "./windows";

export interface WindowRunDependencies {
  prisma: Database;
  api: TelCdrApi;
  limiter: RateLimiter;
  logger: Logger;
  /** Pages in flight at once; several are needed to keep the rate limit busy while pages are stored. */
  concurrency: number;
  onRecordingsStored?: (recordingIds: bigint[]) => Promise<void>;
  signal: AbortSignal;
}

export interface WindowRunResult extends RunCounts {
  runId: bigint;
  /** Failed when the API could not be read to the end, or when any record in it could not be read. */
  status: "succeeded" | "failed";
  /** Every page was read: a failure, if any, lies in records that a later run (after a fix) reads the same way. */
  complete: boolean;
  error?: string;
}

const MAX_ATTEMPTS = 10;
const MAX_BACKOFF_MS = 30_000;
/** How many unreadable records a run's `error` names; the log has all of them. */
const INVALID_EXAMPLES = 5;

/**
 * Reads one window completely and stores every call in it, as one reconcile_runs row. Never throws for a vendor or
 * storage failure: the run row says failed, with the vendor's code and message, and so does the result. A record that
 * cannot be read is kept (tel_cdr_records, status failed), counted in failed_records and named in `error`, and fails
 * the run: the watermark must not pass a call we could not store.
 */
export async function runWindow(
  deps: WindowRunDependencies,
  sdkAppId: bigint,
  window: TimeWindow,
  options: { advanceWatermark: boolean; queuedRunId?: bigint },
): Promise<WindowRunResult> {
  const runId = await startRun(deps.prisma, sdkAppId, window, options.queuedRunId);
  const logger = deps.logger.child({ sdkAppId, runId: String(runId), window });
  const run = { id: runId, sdkAppId, window };
  const totals = emptyRunCounts();
  const unreadable: string[] = [];
  let apiFailure: string | undefined;
  try {
    await readAllPages(deps, sdkAppId, window, async (page) => {
      const stored = await storePage(deps, runId, sdkAppId, page.records);
      for (const record of stored.unreadable) {
        logger.warn({ sessionId: record.sessionId, error: record.error }, "DescribeTelCdr record could not be read");
        unreadable.push(describeFailedRecord(record));
      }
      addCounts(totals, stored.counts);
      await queueMirror(deps, stored.recordingIds, logger);
    });
  } catch (cause) {
    apiFailure = describeFailure(cause, deps.signal);
  }
  const recordsFailure =
    unreadable.length > 0 ? `${unreadable.length} records could not be read (kept in tel_cdr_records): ${unreadable.slice(0, INVALID_EXAMPLES).join("; ")}` : undefined;
  const error = [apiFailure, recordsFailure].filter(Boolean).join("; ") || undefined;
  const status = error ? "failed" : "succeeded";
  await finishRun(deps.prisma, run, { status, error, advanceWatermark: options.advanceWatermark && status === "succeeded" });
  if (status === "failed") logger.warn({ error, ...totals }, "reconcile run failed");
  else logger.info(totals, "reconcile run succeeded");
  return { runId, status, complete: apiFailure === undefined, error, ...totals };
}

/**
 * Page 0 tells how many records the window holds; the other pages are then read `concurrency` at a time. The count
 * is refreshed from every answer, so records listed while we read are not cut off. The first failure stops the
 * other readers before the run is closed, so nothing is written after the run row says failed.
 */
async function readAllPages(deps: WindowRunDependencies, sdkAppId: bigint, window: TimeWindow, onPage: (page: TelCdrPage) => Promise<void>) {
  const stop = new AbortController();
  const signal = AbortSignal.any([deps.signal, stop.signal]);
  const fetchPage = (pageNumber: number) => fetchWithRetry(deps, { sdkAppId, start: window.start, end: window.end, pageNumber }, signal);

  const first = await fetchPage(0);
  let totalCount = first.totalCount;
  await onPage(first);
  let nextPage = 1;
  const reader = async () => {
    for (let pageNumber = nextPage++; pageNumber * TEL_CDR_PAGE_SIZE < totalCount; pageNumber = nextPage++) {
      const page = await fetchPage(pageNumber);
      totalCount = page.totalCount;
      await onPage(page);
    }
  };
  // every failure aborts `stop`, whose reason is the first one
  await Promise.allSettled(Array.from({ length: deps.concurrency }, () => reader().catch((error: unknown) => stop.abort(error))));
  if (stop.signal.aborted) throw stop.signal.reason;
}

async function fetchWithRetry(deps: WindowRunDependencies, query: Parameters<TelCdrApi["describeTelCdr"]>[0], signal: AbortSignal): Promise<TelCdrPage> {
  for (let attempt = 1; ; attempt++) {
    await deps.limiter.acquire(String(query.sdkAppId), signal);
    try {
      return await deps.api.describeTelCdr(query, signal);
    } catch (error) {
      if (!(error instanceof TelCdrApiError) || !error.retryable || attempt >= MAX_ATTEMPTS || signal.aborted) throw error;
      const delayMs = retryDelayMs(error, attempt);
      deps.logger.debug({ sdkAppId: query.sdkAppId, pageNumber: query.pageNumber, attempt, delayMs, error: error.describe() }, "DescribeTelCdr retry");
      await sleep(delayMs, undefined, { signal });
    }
  }
}

/** The vendor counts requests per second: after a refusal, a second frees the budget; other failures back off. */
function retryDelayMs(error: TelCdrApiError, attempt: number): number {
  const base = error.failure === "rate-limited" ? 1000 : Math.min(MAX_BACKOFF_MS, 500 * 2 ** (attempt - 1));
  return base + Math.floor(Math.random() * 250);
}

interface StoredPage {
  counts: RunCounts;
  recordingIds: bigint[];
  unreadable: Extract<TelCdrInterpretation, { ok: false }>[];
}

const MAX_CONFLICT_ATTEMPTS = 3;

/**
 * A page in one transaction, with the same batched merge-upserts as pushes: its raw records, its calls, the "missing"
 * marks of the calls no push had delivered, and the run's counts are committed together or not at all.
 */
async function storePage(deps: WindowRunDependencies, runId: bigint, sdkAppId: bigint, records: unknown[]): Promise<StoredPage> {
  const interpreted = await interpretTelCdrPage(sdkAppId, records);
  const unreadable = interpreted.flatMap((record) => (record.ok ? [] : [record]));
  for (let attempt = 1; ; attempt++) {
    try {
      return { ...(await writePage(deps.prisma, runId, sdkAppId, interpreted)), unreadable };
    } catch (error) {
      if (attempt >= MAX_CONFLICT_ATTEMPTS || !(classifyDatabaseError(error) instanceof TransactionConflictError)) throw error;
    }
  }
}

function writePage(prisma: Database, runId: bigint, sdkAppId: bigint, interpreted: TelCdrInterpretation[]): Promise<Omit<StoredPage, "unreadable">> {
  return prisma.$transaction(async (tx) => {
    const saved = await saveTelCdrs(tx, sdkAppId, interpreted, runId);
    const counts: RunCounts = { ...emptyRunCounts(), fetched: interpreted.length };
    for (const outcome of saved.outcomes) counts[outcome === "failed" ? "failedRecords" : outcome] += 1;
    await recordMissingSessions(tx, runId, saved.createdSessions);
    await addRunCounts(tx, runId, counts);
    return { counts, recordingIds: saved.recordingIdsToMirror };
  }, TRANSACTION_OPTIONS);
}

async function queueMirror(deps: WindowRunDependencies, recordingIds: bigint[], logger: Logger): Promise<void> {
  if (recordingIds.length === 0 || !deps.onRecordingsStored) return;
  await deps.onRecordingsStored(recordingIds).catch((err: unknown) =>
    // the mirror sweep finds these rows again from PostgreSQL
    logger.warn({ err, count: recordingIds.length }, "could not queue mirror jobs; the sweep will pick them up"),
  );
}

function addCounts(into: RunCounts, counts: RunCounts): void {
  for (const name of Object.keys(into) as (keyof RunCounts)[]) into[name] += counts[name];
}

function describeFailure(cause: unknown, signal: AbortSignal): string {
  if (signal.aborted) return "interrupted: the service is stopping; the next run reads this window again";
  if (cause instanceof TelCdrApiError) return cause.describe();
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}
