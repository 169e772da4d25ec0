import { setImmediate as yieldToEventLoop, setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../logging/logger";
import type { CallRecords } from "../persistence/call-records";
import { saveCallRecords, sessionKey } from "../persistence/call-records-repository";
import { TRANSACTION_OPTIONS, postgresErrorCode, type Database } from "../persistence/database";
import { interpretPush } from "../push-intake/interpret-push";
import { addRunCounts, finishRun, recordMissingSessions, startRun, type RunCounts } from "./reconcile-repository";
import type { RateLimiter } from "./rate-limiter";
import { TEL_CDR_PAGE_SIZE, type TelCdrApi, type TelCdrPage } from "./tel-cdr-api";
import { TelCdrApiError } from "./tel-cdr-errors";
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
  status: "succeeded" | "failed";
  error?: string;
}

const MAX_ATTEMPTS = 10;
const MAX_BACKOFF_MS = 30_000;
/** How many unreadable records a run's `error` names; the log has all of them. */
const INVALID_EXAMPLES = 5;

/**
 * Reads one window completely and stores every call in it, as one reconcile_runs row. Never throws for a vendor or
 * storage failure: the run row says failed, with the vendor's code and message, and so does the result.
 */
export async function runWindow(
  deps: WindowRunDependencies,
  sdkAppId: number,
  window: TimeWindow,
  options: { advanceWatermark: boolean; queuedRunId?: bigint },
): Promise<WindowRunResult> {
  const runId = await startRun(deps.prisma, sdkAppId, window, options.queuedRunId);
  const logger = deps.logger.child({ sdkAppId, runId: String(runId), window });
  const run = { id: runId, sdkAppId, window };
  const totals: RunCounts = { fetched: 0, created: 0, updated: 0, unchanged: 0 };
  const invalid: string[] = [];
  try {
    await readAllPages(deps, sdkAppId, window, async (page) => {
      const stored = await storePage(deps, runId, page.records, logger);
      invalid.push(...stored.invalid);
      addCounts(totals, stored.counts);
      await queueMirror(deps, stored.recordingIds, logger);
    });
  } catch (cause) {
    const error = describeFailure(cause, deps.signal);
    await finishRun(deps.prisma, run, { status: "failed", error, advanceWatermark: false });
    logger.warn({ error, ...totals }, "reconcile run failed");
    return { runId, status: "failed", error, ...totals };
  }
  const error = invalid.length > 0 ? `${invalid.length} records could not be read: ${invalid.slice(0, INVALID_EXAMPLES).join("; ")}` : undefined;
  await finishRun(deps.prisma, run, { status: "succeeded", error, advanceWatermark: options.advanceWatermark });
  logger.info({ ...totals, invalid: invalid.length }, "reconcile run succeeded");
  return { runId, status: "succeeded", error, ...totals };
}

/**
 * Page 0 tells how many records the window holds; the other pages are then read `concurrency` at a time. The count
 * is refreshed from every answer, so records listed while we read are not cut off. The first failure stops the
 * other readers before the run is closed, so nothing is written after the run row says failed.
 */
async function readAllPages(deps: WindowRunDependencies, sdkAppId: number, window: TimeWindow, onPage: (page: TelCdrPage) => Promise<void>) {
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
  invalid: string[];
}

const PARSE_SLICE = 10;
const RETRYABLE_CONFLICTS = new Set(["40P01", "40001"]); // deadlock, serialization failure
const MAX_CONFLICT_ATTEMPTS = 3;

/**
 * A page in one transaction, with the same batched merge-upserts as pushes: its calls, the "missing" marks of the
 * calls no push had delivered, and the run's counts are committed together or not at all.
 */
async function storePage(deps: WindowRunDependencies, runId: bigint, records: unknown[], logger: Logger): Promise<StoredPage> {
  const calls: CallRecords[] = [];
  const invalid: string[] = [];
  for (const [index, record] of records.entries()) {
    // a page takes ~20 ms to parse: let requests granted meanwhile go out now, not late (see LIMIT_WINDOW_MS)
    if (index % PARSE_SLICE === PARSE_SLICE - 1) await yieldToEventLoop();
    const call = interpretPush("cdr", record);
    if (call.ok) {
      calls.push(call.records);
    } else {
      logger.warn({ sessionId: call.sessionId, error: call.error }, "DescribeTelCdr record could not be read");
      invalid.push(`${call.sessionId ?? "(no SessionId)"}: ${call.error}`);
    }
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return { ...(await writePage(deps.prisma, runId, records.length, calls)), invalid };
    } catch (error) {
      if (attempt >= MAX_CONFLICT_ATTEMPTS || !RETRYABLE_CONFLICTS.has(postgresErrorCode(error) ?? "")) throw error;
    }
  }
}

function writePage(prisma: Database, runId: bigint, fetched: number, calls: CallRecords[]): Promise<Omit<StoredPage, "invalid">> {
  return prisma.$transaction(async (tx) => {
    const saved = await saveCallRecords(tx, calls, "reconcile");
    const counts: RunCounts = { fetched, created: 0, updated: 0, unchanged: 0 };
    for (const outcome of saved.sessions.values()) counts[outcome] += 1;
    const sessions = calls.flatMap((call) => (call.session ? [call.session] : []));
    await recordMissingSessions(tx, runId, sessions.filter((session) => saved.sessions.get(sessionKey(session)) === "created"));
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
  into.fetched += counts.fetched;
  into.created += counts.created;
  into.updated += counts.updated;
  into.unchanged += counts.unchanged;
}

function describeFailure(cause: unknown, signal: AbortSignal): string {
  if (signal.aborted) return "interrupted: the service is stopping; the next run reads this window again";
  if (cause instanceof TelCdrApiError) return cause.describe();
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}
