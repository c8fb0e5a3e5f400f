import { setTimeout as sleep } from "node:timers/promises";
import { LakestreamError } from "../../core/errors.ts";
import type { RawRecord } from "../../core/kafka-decode.ts";
import { encodeKafkaEvent } from "../../core/kafka-encode.ts";
import type { IngestHandler } from "../../runtime/ingest-handler.ts";
import type { ObjectStore } from "../../storage/object-store.ts";

// The commit records of every table (keys.ts commitPrefix).
const COMMITS = "_lakestream/commits/";

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
  /**
   * The store for the ingest handler, watched for commit records: an invocation that writes
   * none answered from an earlier commit (a replay), even one from another process.
   */
  watch(store: ObjectStore): ObjectStore;
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
  let watched = false;
  let commitPuts = 0;
  let seenPuts = 0;
  return {
    totals,
    watch(store) {
      watched = true;
      return {
        url: store.url,
        get: (k) => store.get(k),
        list: (p) => store.list(p),
        delete: (k) => store.delete(k),
        put: async (k, b, o) => {
          const r = await store.put(k, b, o);
          if (r.written && k.startsWith(COMMITS)) commitPuts++;
          return r;
        },
      };
    },
    add(handler, failures, ms) {
      const s = handler.lastSummary();
      totals.invocations++;
      totals.failures += failures;
      totals.durationMs += ms;
      if (!s) return;
      totals.recordsIn += s.recordsIn;
      // A replay returns the stored summary of the same offset ranges: count its work once.
      const id = JSON.stringify(s.batch);
      const replay = watched ? commitPuts === seenPuts && s.batch.length > 0 : committed.has(id);
      seenPuts = commitPuts;
      if (replay) {
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

/** A batch kept failing transiently: the store or the network did not recover. */
export class IngestRetriesExhaustedError extends LakestreamError {
  override readonly name = "IngestRetriesExhaustedError";
}

/** Invocations of one batch before giving up, as an event source mapping's retry limit. */
const MAX_ATTEMPTS = 20;

/**
 * Feeds batches to the ingest handler as Lambda-shaped events (one invocation per batch, the
 * way the event source mapping calls it), with a progress bar. A partial batch response is
 * answered as the event source mapping does: the failed partitions are sent again from the
 * offsets it names (after a short backoff), until the batch is done.
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
    let pending: readonly RawRecord[] = batch;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const event = encodeKafkaEvent(pending, {
        eventSource: "SelfManagedKafka",
        bootstrapServers: "127.0.0.1:9092",
      });
      const t0 = performance.now();
      const response = await handler(event, lambdaLikeContext("lakestream-ingest"));
      const failures = response.batchItemFailures;
      tally.add(handler, failures.length, performance.now() - t0);
      if (failures.length === 0) break;
      if (attempt >= MAX_ATTEMPTS) {
        throw new IngestRetriesExhaustedError(
          `a batch still failed after ${attempt} invocations (${handler.lastFailure() ?? "no reason given"})`,
        );
      }
      const resumeAt = new Map(failures.map((f) => [f.itemIdentifier.partition, f.itemIdentifier.offset]));
      pending = pending.filter((r) => r.offset >= (resumeAt.get(`${r.topic}-${r.partition}`) ?? Infinity));
      await sleep(Math.min(2_000, 50 * 2 ** attempt));
    }
    done += batch.length;
    progress.update(done, `${totals.invocations} invocations`);
  }
  progress.finish(
    `${records.toLocaleString("en-US")} records in ${batches.length} invocations → ` +
      `${totals.rowsWritten.toLocaleString("en-US")} rows, ${totals.quarantined} quarantined, ${totals.filtered} filtered`,
  );
  return totals;
}
