/**
 * The fake TCCC API in its own process, serving a synthetic day of calls (the typed TelCdrInfo mix of the tests, its
 * recording links on a loopback host), so that the benchmark's memory figures are the reconciler's alone. Started by
 * reconcile.ts; prints its URL as the first line of stdout.
 */
import { startFakeTcccApi, type CallSource, type TelCdr } from "../../test/support/fake-tccc-api";
import { sampleTelCdr } from "../../test/support/tel-cdr-samples";

const [sdkAppId, firstStart, count, daySec] = process.argv.slice(2).map(Number) as [number, number, number, number];
const spacing = daySec / count;
/** Nothing listens there, and the benchmark's service runs without the mirror: no link is ever fetched. */
const BENCH_MEDIA_ORIGIN = "http://127.0.0.1:9";

/** Call i starts at firstStart + i * spacing; nothing is kept in memory. */
const syntheticDay: CallSource = {
  count: (appId, start, end) => (appId === sdkAppId ? indexRange(start, end).length : 0),
  slice(appId, start, end, offset, limit) {
    if (appId !== sdkAppId) return [];
    const range = indexRange(start, end);
    const calls: TelCdr[] = [];
    for (let i = range.first + offset; i < Math.min(range.first + range.length, range.first + offset + limit); i++) {
      calls.push(sampleTelCdr(`bench-${sdkAppId}-${i}`, firstStart + Math.floor(i * spacing), i, { mediaOrigin: BENCH_MEDIA_ORIGIN }));
    }
    return calls;
  },
};

function indexRange(start: number, end: number): { first: number; length: number } {
  const first = Math.max(0, Math.ceil((start - firstStart) / spacing));
  const last = Math.min(count - 1, Math.floor((end - firstStart) / spacing));
  return { first, length: Math.max(0, last - first + 1) };
}

startFakeTcccApi({ secretId: process.env.FAKE_SECRET_ID!, secretKey: process.env.FAKE_SECRET_KEY!, source: syntheticDay }).then((fake) => {
  console.log(fake.url);
  process.on("message", (message) => {
    if (message !== "report") return;
    const answers = fake.answers(sdkAppId);
    process.send?.({ requests: answers.length, refused: answers.filter((answer) => answer !== "ok").length, peakPerSecond: fake.peakRequests(sdkAppId) });
  });
});
