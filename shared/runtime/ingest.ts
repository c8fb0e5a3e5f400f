import pLimit from "p-limit";
import {
  compileBatchLayout,
  offsetRanges,
  type PlannedFile,
  type PlannedQuarantine,
  quarantineBody,
} from "../core/batch.ts";
import { fileEncoderSpec } from "../core/encode/file-encoder.ts";
import { decodeKafkaEvent, type PartitionBatch } from "../core/kafka-decode.ts";
import type { KafkaBatchResponse } from "../core/kafka-event.ts";
import { commitKey, type OffsetRange, quarantineKey } from "../core/keys.ts";
import type { Pipeline } from "../core/pipeline/types.ts";
import type { RecordProcessorOptions } from "../core/process-record.ts";
import { type ObjectStore, StorageError } from "../storage/object-store.ts";
import { type EncodePool, EncodeWorkerError, sharedEncodePool } from "./encode-pool.ts";
import { committedCounts, type IngestSummary, NO_COUNTS, summarize } from "./ingest-summary.ts";

export type { IngestSummary } from "./ingest-summary.ts";

import { type WriteBackSink, writeBackMessages } from "./write-back-rows.ts";
import { contentTypeOf, type WrittenFile, writeFileOnce, writeQuarantineOnce } from "./write-files.ts";

export interface IngestResult {
  readonly summary: IngestSummary;
  /** Lambda's Kafka partial batch response: where each failed topic-partition resumes. */
  readonly response: KafkaBatchResponse;
  /** True when the batch had been committed before and nothing was written. */
  readonly replay: boolean;
  /** The first transient error behind `response`'s failures (name and message), for logs and the CLI. */
  readonly failure?: string;
}

export interface IngestDeps {
  readonly pipeline: Pipeline;
  readonly store: ObjectStore;
  readonly writeBack?: WriteBackSink;
  /** Parallel puts per batch; S3 is latency-bound, so a few in flight cut batch time. */
  readonly concurrency?: number;
  /** How records of a source other than Kafka are decoded (the file source). */
  readonly records?: RecordProcessorOptions;
  /** Encodes each batch's data files; default: the process's pool, with workers only beside spare vCPUs. */
  readonly encoder?: EncodePool;
}

/**
 * The ingest path: decode → plan (pure) → write files once → write back → commit.
 * Bad records never fail the batch. A transient storage or producer failure makes the
 * partial batch response resume each failed topic-partition at its first unwritten offset;
 * what landed before that is committed, so no later stage misses it.
 */
export function createIngest(deps: IngestDeps): (event: unknown) => Promise<IngestResult> {
  const ingest = createBatchIngest(deps);
  return (event) => ingest(decodeKafkaEvent(event));
}

/**
 * The same ingest over batches already decoded, one per source stream: what the file source
 * feeds, with coordinates (object version, line or row) in place of Kafka's.
 */
export function createBatchIngest(
  deps: IngestDeps,
): (batches: readonly PartitionBatch[]) => Promise<IngestResult> {
  const { pipeline, store } = deps;
  // Rows as objects only for write-back; otherwise they live in their files' columns alone.
  const layout = compileBatchLayout(pipeline, {
    ...deps.records,
    keepRows: Boolean(deps.writeBack && pipeline.writeBack),
  });
  const spec = fileEncoderSpec(pipeline);
  // Made here, so a bad LAKESTREAM_ENCODE_WORKERS fails at start; workers start on a first batch.
  const encoder = deps.encoder ?? sharedEncodePool();
  const limit = pLimit(deps.concurrency ?? 8);
  const { table } = pipeline.sink;

  return async (batches) => {
    const ranges = offsetRanges(batches);
    if (ranges.length === 0)
      return { summary: summarize(pipeline, [], NO_COUNTS, [], []), response: ok(), replay: false };
    let previous: Uint8Array | undefined;
    try {
      previous = await store.get(commitKey(table, ranges));
    } catch (e) {
      if (!(e instanceof StorageError && e.transient)) throw e;
      // Nothing was written yet: every partition resumes at its first offset.
      return {
        summary: summarize(pipeline, [], NO_COUNTS, [], []),
        response: retryAll(ranges),
        replay: false,
        failure: describe(e),
      };
    }
    if (previous)
      return { summary: JSON.parse(new TextDecoder().decode(previous)), response: ok(), replay: true };

    const { pendingFiles, ...laidOut } = layout(batches);
    let dataFiles: PlannedFile[];
    try {
      dataFiles = await encoder.encode(spec, pendingFiles);
    } catch (e) {
      if (!(e instanceof EncodeWorkerError)) throw e;
      // Encoding comes before any write: the whole batch is retried, on a fresh worker.
      return {
        summary: summarize(pipeline, [], NO_COUNTS, [], []),
        response: retryAll(ranges),
        replay: false,
        failure: describe(e),
      };
    }
    const planned = { ...laidOut, dataFiles };
    const failedAt = new Map<string, number>();
    let failure: string | undefined;
    const markFailed = (topic: string, partition: number, offset: number, error: unknown) => {
      failure ??= describe(error);
      const tp = `${topic}-${partition}`;
      failedAt.set(tp, Math.min(failedAt.get(tp) ?? Number.POSITIVE_INFINITY, offset));
    };
    const write = (file: PlannedFile) =>
      limit(async (): Promise<WrittenFile | undefined> => {
        try {
          return await writeFileOnce(store, file, contentTypeOf(file.key));
        } catch (e) {
          if (!(e instanceof StorageError && e.transient)) throw e;
          markFailed(file.topic, file.partition, file.firstOffset, e);
          return undefined;
        }
      });
    const data = await Promise.all(planned.dataFiles.map(write));
    const landed = (w: WrittenFile | undefined): w is WrittenFile =>
      w !== undefined &&
      w.file.firstOffset < (failedAt.get(`${w.file.topic}-${w.file.partition}`) ?? Infinity);

    if (deps.writeBack && pipeline.writeBack) {
      const rows = planned.rows.filter(
        (r) => r.record.offset < (failedAt.get(`${r.record.topic}-${r.record.partition}`) ?? Infinity),
      );
      try {
        await deps.writeBack.send(writeBackMessages(pipeline, rows));
      } catch (e) {
        // The producer may have delivered part of the rows; retrying the whole batch repeats
        // them (at least once on the topic) but never drops one.
        for (const r of ranges) markFailed(r.topic, r.partition, r.first, e);
      }
    }
    // Quarantine last, and only below where each partition resumes: the retry then starts with
    // exactly the bad records not written yet, however it is cut.
    const quarantine = (q: PlannedQuarantine) =>
      limit(async (): Promise<WrittenFile[]> => {
        const lines = q.lines.filter(
          (l) => l.offset < (failedAt.get(`${q.topic}-${q.partition}`) ?? Infinity),
        );
        if (lines.length === 0) return [];
        const file = {
          ...q,
          firstOffset: lines[0]!.offset,
          lastOffset: lines.at(-1)!.offset,
          rows: lines.length,
          body: quarantineBody(lines),
        };
        try {
          const keys = await writeQuarantineOnce(store, lines, (first) =>
            quarantineKey(pipeline.quarantine.prefix, table, q.topic, q.partition, first),
          );
          return keys.map((key) => ({ file, key }));
        } catch (e) {
          if (!(e instanceof StorageError && e.transient)) throw e;
          markFailed(q.topic, q.partition, file.firstOffset, e);
          return [];
        }
      });
    const bad = (await Promise.all(planned.quarantineFiles.map(quarantine))).flat();

    const committedRanges = ranges.flatMap((r) => {
      const stop = failedAt.get(`${r.topic}-${r.partition}`);
      if (stop === undefined) return [r];
      return stop > r.first ? [{ ...r, last: stop - 1 }] : [];
    });
    const counts = committedCounts(batches, planned, failedAt);
    const summary = summarize(
      pipeline,
      committedRanges,
      counts,
      data.filter(landed),
      bad.filter(landed),
      planned.eventTimes,
    );
    if (committedRanges.length > 0) {
      try {
        const body = new TextEncoder().encode(JSON.stringify(summary, null, 1));
        await store.put(commitKey(table, committedRanges), body, {
          ifAbsent: true,
          contentType: "application/json",
        });
      } catch (e) {
        if (!(e instanceof StorageError && e.transient)) throw e;
        for (const r of ranges) markFailed(r.topic, r.partition, r.first, e);
      }
    }
    const response = {
      batchItemFailures: [...failedAt].map(([tp, offset]) => ({ itemIdentifier: { partition: tp, offset } })),
    };
    return { summary, response, replay: false, ...(failure === undefined ? {} : { failure }) };
  };
}

function ok(): KafkaBatchResponse {
  return { batchItemFailures: [] };
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

function retryAll(ranges: readonly OffsetRange[]): KafkaBatchResponse {
  return {
    batchItemFailures: ranges.map((r) => ({
      itemIdentifier: { partition: `${r.topic}-${r.partition}`, offset: r.first },
    })),
  };
}
