import type { InvokeEvent } from "./invoke.ts";
import type { EventSourceStats } from "./stats.ts";

type Log = (level: "info" | "warn" | "error", message: string, fields?: Record<string, unknown>) => void;

/** Failed batches and dead letters as structured warnings: error names and counts, never payloads. */
export function logInvokeEvent(e: InvokeEvent, log: Log): void {
  if (e.type === "retry") {
    log("warn", "batch failed, retrying", {
      records: e.records,
      attempt: e.attempt,
      error: e.error ?? "partial batch response",
    });
  } else if (e.type === "destination") {
    log("warn", "records sent to the on-failure destination", { records: e.records, condition: e.condition });
  }
}

/**
 * The live progress line of `lakestream run`: throughput since the last tick, what is done,
 * retries and dead letters, and lag per partition (the worst few when there are many).
 */
export function progressLine(
  now: EventSourceStats,
  before: EventSourceStats | undefined,
  seconds: number,
): string {
  const rate = before ? (now.recordsDone - before.recordsDone) / Math.max(seconds, 0.001) : 0;
  const lags = [...now.lag].sort((a, b) => b[1] - a[1]);
  const shown = lags
    .slice(0, 6)
    .map(([tp, lag]) => `${tp.slice(tp.lastIndexOf("-") + 1)}:${lag}`)
    .join(" ");
  const totalLag = lags.reduce((n, [, lag]) => n + lag, 0);
  const extra = [
    now.retries > 0 ? `retries ${now.retries}` : "",
    now.toDestination > 0 ? `dead-lettered ${now.toDestination}` : "",
  ]
    .filter(Boolean)
    .join(", ");
  return (
    `${Math.round(rate).toLocaleString("en-US")} rec/s | done ${now.recordsDone.toLocaleString("en-US")}` +
    ` | lag ${totalLag.toLocaleString("en-US")} [${shown}${lags.length > 6 ? " …" : ""}]` +
    (extra ? ` | ${extra}` : "")
  );
}

/**
 * Idle for `--until-idle`: nothing fetched for `idleMs`, nothing buffered or in flight.
 * The caller then confirms with the broker that the group's lag is 0 before exiting.
 */
export function looksIdle(
  stats: EventSourceStats,
  startedAt: number,
  idleMs: number,
  now = Date.now(),
): boolean {
  const last = stats.lastFetchAt ?? startedAt;
  return now - last >= idleMs && stats.buffered === 0 && stats.recordsInFlight === 0;
}
