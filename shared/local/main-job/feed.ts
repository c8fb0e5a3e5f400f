import type { RawRecord } from "../../core/kafka-decode.ts";
import { encodeKafkaEvent } from "../../core/kafka-encode.ts";
import type { IngestHandler } from "../../runtime/ingest-handler.ts";
import { lambdaLikeContext } from "../lambda-context.ts";
import type { Progress } from "./progress.ts";

/** What the ingest did over all invocations, for the summary and the report. */
export interface IngestTotals {
  invocations: number;
  recordsIn: number;
  rowsWritten: number;
  filtered: number;
  quarantined: number;
  files: number;
  /** Invocations whose batch had been committed before (replays): nothing was written. */
  replays: number;
  /** Topic-partitions a partial batch response asked to resume. */
  failures: number;
  durationMs: number;
}

/** Totals and a way to add one invocation's result to them. */
export interface IngestTally {
  readonly totals: IngestTotals;
  add(handler: IngestHandler, failures: number, ms: number): void;
}

export function createIngestTally(): IngestTally {
  const totals: IngestTotals = {
    invocations: 0,
    recordsIn: 0,
    rowsWritten: 0,
    filtered: 0,
    quarantined: 0,
    files: 0,
    replays: 0,
    failures: 0,
    durationMs: 0,
  };
  const committed = new Set<string>();
  return {
    totals,
    add(handler, failures, ms) {
      const s = handler.lastSummary();
      totals.invocations++;
      totals.failures += failures;
      totals.durationMs += ms;
      if (!s) return;
      totals.recordsIn += s.recordsIn;
      // A replay returns the stored summary of the same offset ranges: count its work once.
      const id = JSON.stringify(s.batch);
      if (committed.has(id)) {
        totals.replays++;
        return;
      }
      committed.add(id);
      totals.rowsWritten += s.rowsWritten;
      totals.filtered += s.filtered;
      totals.quarantined += s.quarantined;
      totals.files += s.files.length;
    },
  };
}

/**
 * Feeds batches to the ingest handler as Lambda-shaped events (one invocation per batch, the
 * way the event source mapping calls it), with a progress bar.
 */
export async function feedBatches(
  handler: IngestHandler,
  batches: readonly (readonly RawRecord[])[],
  progress: Progress,
  tally: IngestTally = createIngestTally(),
): Promise<IngestTotals> {
  const { totals } = tally;
  const records = batches.reduce((n, b) => n + b.length, 0);
  progress.start("ingest", records);
  let done = 0;
  for (const batch of batches) {
    const event = encodeKafkaEvent(batch, {
      eventSource: "SelfManagedKafka",
      bootstrapServers: "127.0.0.1:9092",
    });
    const t0 = performance.now();
    const response = await handler(event, lambdaLikeContext("lakestream-ingest"));
    tally.add(handler, response.batchItemFailures.length, performance.now() - t0);
    done += batch.length;
    progress.update(done, `${totals.invocations} invocations`);
  }
  progress.finish(
    `${records.toLocaleString("en-US")} records in ${batches.length} invocations → ` +
      `${totals.rowsWritten.toLocaleString("en-US")} rows, ${totals.quarantined} quarantined, ${totals.filtered} filtered`,
  );
  return totals;
}
