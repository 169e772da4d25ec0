import { Agent, request } from "undici";

/** Shared by the benchmarks: latency statistics and an open-loop, paced HTTP load generator. */

export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  return sortedMs[Math.min(sortedMs.length - 1, Math.floor((p / 100) * sortedMs.length))] ?? Number.NaN;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export interface LoadResult {
  sent: number;
  ok: number;
  failed: number;
  seconds: number;
  throughput: number;
  p50: number;
  p99: number;
  max: number;
}

export interface PushRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** The connections of one generator: a warm-up and the phase it warms share them when given the same one. */
export const loadConnections = (concurrency: number) => new Agent({ connections: concurrency, pipelining: 1, keepAliveTimeout: 30_000 });

/**
 * Sends `total` requests at `ratePerSec`, each on its own schedule whether or not earlier ones have answered (open loop,
 * so a slow server cannot hide its queueing delay from the latency figures), or as fast as `concurrency` allows when
 * ratePerSec is 0. Latency is measured from each request's scheduled start.
 */
export async function runLoad(
  baseUrl: string,
  requests: PushRequest[],
  options: { ratePerSec: number; concurrency: number; /** Left open when given; otherwise made and closed here. */ connections?: Agent },
): Promise<LoadResult> {
  const agent = options.connections ?? loadConnections(options.concurrency);
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  let next = 0;
  const started = performance.now();

  async function send(item: PushRequest, scheduledAt: number): Promise<void> {
    try {
      const response = await request(`${baseUrl}${item.path}`, { method: "POST", headers: item.headers, body: item.body, dispatcher: agent });
      const text = await response.body.text();
      if (response.statusCode === 200 && text.includes('"ErrCode":0')) ok += 1;
      else failed += 1;
    } catch {
      failed += 1;
    }
    latencies.push(performance.now() - scheduledAt);
  }

  if (options.ratePerSec > 0) {
    const inFlight = new Set<Promise<void>>();
    const intervalMs = 1000 / options.ratePerSec;
    while (next < requests.length) {
      const scheduledAt = started + next * intervalMs;
      const wait = scheduledAt - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const item = requests[next++] as PushRequest;
      const pending = send(item, scheduledAt).finally(() => inFlight.delete(pending));
      inFlight.add(pending);
    }
    await Promise.all(inFlight);
  } else {
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < requests.length) {
          const item = requests[next++] as PushRequest;
          await send(item, performance.now());
        }
      }),
    );
  }
  const seconds = (performance.now() - started) / 1000;
  if (!options.connections) await agent.close();
  latencies.sort((a, b) => a - b);
  return {
    sent: requests.length,
    ok,
    failed,
    seconds,
    throughput: ok / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? Number.NaN,
  };
}
