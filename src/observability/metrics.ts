import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * What an operator watches, on one registry per service instance (tests run several in one process). Gauges that
 * describe stored state are read from PostgreSQL by collectors (see state-gauges.ts), so every instance reports the
 * same truth.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const pushes = new Counter({
    name: "tccc_pushes_total",
    help:
      "Pushes received, by action, outcome (processed, failed = stored for replay, duplicate; rejected = refused with a 4xx, " +
      "error = a 5xx, neither stored) and the ErrCode answered (0 when stored)",
    labelNames: ["action", "outcome", "err_code"] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: "tccc_http_request_duration_seconds",
    help: "HTTP request latency by route and status",
    labelNames: ["route", "method", "status"] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

  const mirrorAttempts = new Counter({
    name: "tccc_mirror_attempts_total",
    help: "Mirror attempts by outcome (mirrored, retry, failed, skipped, not-pending)",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  const mirrorBytes = new Counter({ name: "tccc_mirror_bytes_total", help: "Bytes of recordings copied into storage", registers: [registry] });
  const historyPartitionsDropped = new Counter({
    name: "tccc_history_partitions_dropped_total",
    help: "Month partitions of push_inbox / tel_cdr_records dropped by retention",
    labelNames: ["table"] as const,
    registers: [registry],
  });
  const historyRowsDropped = new Counter({
    name: "tccc_history_rows_dropped_total",
    help: "Rows of push_inbox / tel_cdr_records removed by retention",
    labelNames: ["table"] as const,
    registers: [registry],
  });
  const historyRowsKept = new Counter({
    name: "tccc_history_rows_kept_total",
    help: "Failed rows of a dropped partition kept (moved to the DEFAULT partition) until an admin deals with them",
    labelNames: ["table"] as const,
    registers: [registry],
  });

  return {
    registry,
    pushes,
    httpDuration,
    mirrorAttempts,
    mirrorBytes,
    historyPartitionsDropped,
    historyRowsDropped,
    historyRowsKept,
    /** A gauge whose value is read when Prometheus scrapes. */
    addGauge(name: string, help: string, labelNames: string[], read: (set: (labels: Record<string, string>, value: number) => void) => Promise<void>) {
      return new Gauge({
        name,
        help,
        labelNames,
        registers: [registry],
        async collect() {
          this.reset();
          await read((labels, value) => this.set(labels, value));
        },
      });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
