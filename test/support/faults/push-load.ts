/** A push as TCCC sends it, and what became of it. */
export interface PushSpec {
  action: "cdr" | "record" | "voicemail";
  pushUuid: string;
  body: string;
}

export interface PushOutcome {
  push: PushSpec;
  /** Answered HTTP 200 with ErrCode 0: from here on, TCCC considers the push delivered and never sends it again. */
  acknowledged: boolean;
  status?: number;
  errCode?: number;
  /** Why the push was not acknowledged, when the answer was no answer at all. */
  error?: string;
}

const REQUEST_TIMEOUT_MS = 15_000;
/** TCCC pushes a failed push again at most three more times. */
const TCCC_RETRIES = 3;
const FAILED_PUSH_PAUSE_MS = 250;

/** Sends one push the way TCCC does and classifies the answer. Never throws: a failure is an outcome. */
export async function sendPush(baseUrl: string, push: PushSpec): Promise<PushOutcome> {
  try {
    const response = await fetch(`${baseUrl}/tccc/push?action=${push.action}&version=1`, {
      method: "POST",
      headers: { "Content-Type": "application/json;charset=utf8", "X-TCCC-PUSH-UUID": push.pushUuid },
      body: push.body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    let errCode: number | undefined;
    try {
      errCode = (JSON.parse(text) as { ErrCode?: number }).ErrCode;
    } catch {
      // not JSON: TCCC treats it as a failure, and so do we
    }
    return { push, acknowledged: response.status === 200 && errCode === 0, status: response.status, errCode };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { push, acknowledged: false, error: cause?.code ?? cause?.message ?? String(error) };
  }
}

/** "ECONNREFUSED: 12, HTTP 503: 3": why pushes were not acknowledged, for the figures a chaos test reports. */
export function countFailures(outcomes: PushOutcome[]): string {
  const counts = new Map<string, number>();
  for (const outcome of outcomes.filter((candidate) => !candidate.acknowledged)) {
    const why = outcome.error ?? `HTTP ${outcome.status} ErrCode ${outcome.errCode}`;
    counts.set(why, (counts.get(why) ?? 0) + 1);
  }
  return [...counts].map(([why, count]) => `${why}: ${count}`).join(", ") || "none";
}

export interface PushStream {
  /** Every push sent so far with its outcome, in the order the answers came. */
  outcomes: PushOutcome[];
  acknowledged(): PushOutcome[];
  /** Resolves once `count` pushes have been acknowledged (counting from the start of the stream). */
  untilAcknowledged(count: number): Promise<void>;
  /** Resolves when the source is exhausted and every push has its outcome. */
  finished(): Promise<PushOutcome[]>;
  /** Stops sending new pushes and resolves when every push already sent has its outcome. */
  stop(): Promise<PushOutcome[]>;
}

/**
 * Streams pushes from `source` over `concurrency` connections until stopped or the source ends, recording the outcome
 * of each: the load generator of the chaos tests. `baseUrl` is read per push, so a restarted service may move.
 */
export function streamPushes(baseUrl: () => string, source: Iterator<PushSpec>, concurrency: number): PushStream {
  const outcomes: PushOutcome[] = [];
  const waiters: { count: number; resolve(): void }[] = [];
  let stopped = false;
  const acknowledgedCount = () => outcomes.filter((outcome) => outcome.acknowledged).length;

  const lane = async () => {
    while (!stopped) {
      const next = source.next();
      if (next.done) return;
      outcomes.push(await sendPush(baseUrl(), next.value));
      const acknowledged = acknowledgedCount();
      for (const waiter of waiters.filter((candidate) => candidate.count <= acknowledged)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      // while the service or its database is down every push fails at once; like TCCC, a lane waits a little then
      if (!outcomes.at(-1)?.acknowledged) await new Promise((resolve) => setTimeout(resolve, FAILED_PUSH_PAUSE_MS));
    }
  };
  const lanes = Promise.all(Array.from({ length: concurrency }, lane));

  return {
    outcomes,
    acknowledged: () => outcomes.filter((outcome) => outcome.acknowledged),
    untilAcknowledged: (count) => (acknowledgedCount() >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }))),
    finished: () => lanes.then(() => outcomes),
    async stop() {
      stopped = true;
      await lanes;
      return outcomes;
    },
  };
}

/** What TCCC does with pushes that were not acknowledged: sends each again, up to three more times, until it is. */
export async function retryLikeTccc(baseUrl: string, failed: PushSpec[]): Promise<PushOutcome[]> {
  const retried: PushOutcome[] = [];
  for (const push of failed) {
    for (let attempt = 1; attempt <= TCCC_RETRIES; attempt++) {
      const outcome = await sendPush(baseUrl, push);
      retried.push(outcome);
      if (outcome.acknowledged) break;
    }
  }
  return retried;
}
