import type { RawRecord } from "../../core/kafka-decode.ts";
import { DEFAULT_START_MS, type SampleRecord, sampleKafkaRecord, sampleRecord } from "../sample-records.ts";

const MINUTE_MS = 60_000;

export interface SampleStreamOptions {
  readonly records: number;
  /** Hours of event time the records spread over, from `startMs`. */
  readonly hours: number;
  readonly startMs?: number;
  readonly topic?: string;
  /** Kafka partitions; a user's records stay in one partition (keyed by user). */
  readonly partitions?: number;
  /** Every n-th record is broken (quarantined by the ingest). */
  readonly badEvery?: number;
  /**
   * Every n-th record arrives `lateMinutes` late, after newer records but within the allowed
   * lateness of the event-time watermark (counted, recomputed).
   */
  readonly lateEvery?: number;
  readonly lateMinutes?: number;
  /**
   * Every n-th record arrives `tooLateMinutes` late, after records so much newer that the
   * watermark has passed its windows (quarantined by aggregate).
   */
  readonly tooLateEvery?: number;
  readonly tooLateMinutes?: number;
}

export type Arrival = "on-time" | "late" | "too-late";

/** A Kafka record of the sample stream with what the generator knows about it. */
export interface StreamRecord extends RawRecord {
  readonly sample: SampleRecord;
  readonly arrival: Arrival;
}

/**
 * A deterministic clickstream as Kafka would hold it: records in arrival order per partition,
 * each Kafka timestamp (LOG_APPEND_TIME) its arrival, a few seconds after its event time,
 * except the late ones. The same options always give the same records and offsets, so a test
 * can compute the expected aggregates from what the main job ingested.
 */
export function sampleStream(o: SampleStreamOptions): StreamRecord[] {
  const startMs = o.startMs ?? DEFAULT_START_MS;
  const partitions = o.partitions ?? 2;
  const every = (i: number, n: number | undefined) => n !== undefined && n > 0 && i % n === n - 1;
  const spanMs = o.hours * 60 * MINUTE_MS;
  const drafts = Array.from({ length: o.records }, (_, i) => {
    // Traffic rises to a peak mid-stream and falls again: f(u) = u + a·sin(2πu)/2π is monotonic.
    const u = i / Math.max(1, o.records);
    const eventTime = startMs + Math.floor(spanMs * (u + (0.6 * Math.sin(2 * Math.PI * u)) / (2 * Math.PI)));
    // sampleRecord places record i at startMs + i·spacing: spacing 0 places it at eventTime.
    const sample = sampleRecord(i, every(i, o.badEvery), { startMs: eventTime, spacingMs: 0 });
    const arrival: Arrival = every(i, o.tooLateEvery)
      ? "too-late"
      : every(i, o.lateEvery)
        ? "late"
        : "on-time";
    const delay =
      arrival === "too-late"
        ? (o.tooLateMinutes ?? 150) * MINUTE_MS
        : arrival === "late"
          ? (o.lateMinutes ?? 20) * MINUTE_MS
          : 1_000 + ((i * 7919) % 20_000);
    // Broken records carry no parsable user: spread them by index.
    const user = Number(/^user-(\d+)$/.exec(sample.key)?.[1] ?? i);
    return { i, sample, arrival, at: sample.eventTime + delay, partition: user % partitions };
  });
  drafts.sort((a, b) => a.at - b.at || a.i - b.i);
  const next = new Array<number>(partitions).fill(0);
  const topic = o.topic ?? "clickstream";
  return drafts.map((d) => ({
    ...sampleKafkaRecord(d.sample, {
      topic,
      partition: d.partition,
      offset: next[d.partition]!++,
      timestamp: d.at,
      timestampType: "LOG_APPEND_TIME",
    }),
    sample: d.sample,
    arrival: d.arrival,
  }));
}

/** Cuts the stream into invocations of at most `size` records, in arrival order (all partitions mixed). */
export function batchesOf<T>(records: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < records.length; i += size) out.push(records.slice(i, i + size));
  return out;
}
