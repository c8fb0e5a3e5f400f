import { FileColumns, valueColumnNames } from "./batch-columns.ts";
import {
  encodeFile,
  type FileContent,
  type FileEncoderSpec,
  fileEncoderSpec,
} from "./encode/file-encoder.ts";
import type { PartitionBatch, RawRecord } from "./kafka-decode.ts";
import { dataFileKey, type OffsetRange, quarantineKey } from "./keys.ts";
import type { Pipeline } from "./pipeline/types.ts";
import { compileRecordProcessor, type OutputRow, type RecordProcessorOptions } from "./process-record.ts";
import { quarantineLine } from "./quarantine-line.ts";
import { fileExtension } from "./table-layout.ts";

/** One encoded output file, ready to put. */
export interface PlannedFile {
  readonly key: string;
  readonly body: Uint8Array;
  readonly topic: string;
  readonly partition: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly rows: number;
  /** Partition path for data files; absent for quarantine files. */
  readonly partitionPath?: string;
}

/** One quarantine line with the offset of its record, so a retry can tell which are written already. */
export interface QuarantineEntry {
  readonly offset: number;
  readonly text: string;
}

/** The quarantine lines of one topic-partition of a batch; `body` holds them all. */
export interface PlannedQuarantine extends PlannedFile {
  readonly lines: readonly QuarantineEntry[];
}

export interface ProcessedRow extends OutputRow {
  readonly record: RawRecord;
}

/** The largest event time of the rows one record wrote (what commit records build watermarks on). */
export interface RecordEventTime {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Epoch millis: the event-time column, or the Kafka timestamp for pipelines partitioned on it. */
  readonly eventTime: number;
}

/** Everything a batch produces, computed purely; the runtime only writes it. */
export interface BatchPlan {
  readonly ranges: readonly OffsetRange[];
  readonly recordsIn: number;
  readonly filtered: number;
  /** Offsets of the filtered records by `<topic>-<partition>`, to count those of a partial commit. */
  readonly filteredOffsets: ReadonlyMap<string, readonly number[]>;
  readonly quarantined: number;
  /** Every row as an object, in record order; empty when the planner was compiled with `keepRows: false`. */
  readonly rows: readonly ProcessedRow[];
  /** One entry per record that wrote rows, in record order. */
  readonly eventTimes: readonly RecordEventTime[];
  readonly dataFiles: readonly PlannedFile[];
  readonly quarantineFiles: readonly PlannedQuarantine[];
}

/** A data file laid out but not encoded yet: its content is plain data another thread can encode. */
export interface PendingFile extends Omit<PlannedFile, "body"> {
  readonly content: FileContent;
}

/** A batch's plan before its data files are encoded (quarantine files are cheap and come encoded). */
export interface BatchLayout extends Omit<BatchPlan, "dataFiles"> {
  readonly pendingFiles: readonly PendingFile[];
}

export interface BatchPlannerOptions extends RecordProcessorOptions {
  /**
   * Keep every row as an object in `BatchPlan.rows` (default true): what write-back sends. The
   * ingest turns it off for pipelines without write-back, so a batch's rows live only in the
   * columns of its files.
   */
  readonly keepRows?: boolean;
}

// A rough per-row overhead (lineage, levels) added to the input size to estimate file size.
const ROW_OVERHEAD_BYTES = 48;

/** Builds the processing function of a pipeline once (cold start), then plans each batch. */
export function compileBatchPlanner(
  pipeline: Pipeline,
  options: BatchPlannerOptions = {},
): (batches: readonly PartitionBatch[]) => BatchPlan {
  const layout = compileBatchLayout(pipeline, options);
  const spec = fileEncoderSpec(pipeline);
  return (batches) => {
    const { pendingFiles, ...rest } = layout(batches);
    return { ...rest, dataFiles: pendingFiles.map((f) => encodePending(spec, f)) };
  };
}

/** Encodes a pending file into the file it plans. */
export function encodePending(spec: FileEncoderSpec, { content, ...file }: PendingFile): PlannedFile {
  return { ...file, body: encodeFile(spec, content) };
}

/**
 * The planner without its last step: files laid out, not encoded. Encoding is most of a batch's
 * CPU and each file is independent, so the runtime can encode them on other threads
 * (shared/runtime/encode-pool.ts) while this stays pure.
 */
export function compileBatchLayout(
  pipeline: Pipeline,
  options: BatchPlannerOptions = {},
): (batches: readonly PartitionBatch[]) => BatchLayout {
  const processRecord = compileRecordProcessor(pipeline, options);
  const keepRows = options.keepRows ?? true;
  const names = valueColumnNames(fileEncoderSpec(pipeline).schema);
  const ext = fileExtension(pipeline);
  const targetBytes = pipeline.sink.targetFileSizeMiB * 1024 * 1024;
  const { table } = pipeline.sink;
  const { eventTime } = pipeline.partitioning;
  const timeOf = (values: Readonly<Record<string, unknown>>, record: RawRecord) =>
    eventTime === "kafka-timestamp" ? record.timestamp : (values[eventTime.field] as number);

  return (batches) => {
    const rows: ProcessedRow[] = [];
    const eventTimes: RecordEventTime[] = [];
    const pendingFiles: PendingFile[] = [];
    const quarantineFiles: PlannedQuarantine[] = [];
    let filtered = 0;
    const filteredOffsets = new Map<string, number[]>();
    let quarantined = 0;
    let recordsIn = 0;
    for (const { topic, partition, records } of batches) {
      const groups = new Map<string, FileColumns[]>();
      const bad: QuarantineEntry[] = [];
      const filteredHere: number[] = [];
      let firstBad = -1;
      let lastBad = -1;
      for (const record of records) {
        recordsIn++;
        const outcome = processRecord(record);
        if (outcome.kind === "filtered") {
          filtered++;
          filteredHere.push(record.offset);
        } else if (outcome.kind === "quarantined") {
          quarantined++;
          if (firstBad < 0) firstBad = record.offset;
          lastBad = record.offset;
          bad.push({ offset: record.offset, text: JSON.stringify(quarantineLine(record, outcome.error)) });
        } else {
          const size = (record.value?.length ?? 0) + ROW_OVERHEAD_BYTES;
          let latest = Number.NEGATIVE_INFINITY;
          for (const row of outcome.rows) {
            if (keepRows) rows.push({ path: row.path, values: row.values, record });
            latest = Math.max(latest, timeOf(row.values, record));
            let parts = groups.get(row.path);
            if (!parts) {
              parts = [new FileColumns(names, topic, partition)];
              groups.set(row.path, parts);
            }
            // Cut only between records: a flatMap record's rows stay in one file, which is
            // what lets compaction dedupe by taking an offset's rows from a single file.
            let current = parts.at(-1)!;
            if (current.bytes + size > targetBytes && current.rows > 0 && current.lastRecord !== record) {
              current = new FileColumns(names, topic, partition);
              parts.push(current);
            }
            current.append(row.values, record, size);
          }
          eventTimes.push({ topic, partition, offset: record.offset, eventTime: latest });
        }
      }
      for (const [path, parts] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        for (const part of parts) {
          const first = part.firstOffset;
          const last = part.lastRecord!.offset;
          const meta = {
            "lakestream.table": table,
            "lakestream.offsets": `${topic}+${partition}+${first}-${last}`,
          };
          pendingFiles.push({
            key: dataFileKey(table, path, topic, partition, first, ext),
            content: { columns: part.columns(), metadata: meta },
            topic,
            partition,
            firstOffset: first,
            lastOffset: last,
            rows: part.rows,
            partitionPath: path,
          });
        }
      }
      if (filteredHere.length > 0) filteredOffsets.set(`${topic}-${partition}`, filteredHere);
      if (bad.length) {
        quarantineFiles.push({
          key: quarantineKey(pipeline.quarantine.prefix, table, topic, partition, firstBad),
          body: quarantineBody(bad),
          topic,
          partition,
          firstOffset: firstBad,
          lastOffset: lastBad,
          rows: bad.length,
          lines: bad,
        });
      }
    }
    const ranges = offsetRanges(batches);
    return {
      ranges,
      recordsIn,
      filtered,
      filteredOffsets,
      quarantined,
      rows,
      eventTimes,
      pendingFiles,
      quarantineFiles,
    };
  };
}

/** A quarantine file's bytes: JSON Lines, one per bad record. */
export function quarantineBody(lines: readonly QuarantineEntry[]): Uint8Array {
  return new TextEncoder().encode(`${lines.map((l) => l.text).join("\n")}\n`);
}

/** A batch's identity: the offset range of each topic-partition it holds. */
export function offsetRanges(batches: readonly PartitionBatch[]): OffsetRange[] {
  return batches
    .filter((b) => b.records.length > 0)
    .map((b) => ({
      topic: b.topic,
      partition: b.partition,
      first: b.records[0]!.offset,
      last: b.records.at(-1)!.offset,
    }));
}
