import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Message } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Progress } from "../../shared/local/main-job/progress.ts";
import { type MainJobResult, runMainJob } from "../../shared/local/main-job/run-main-job.ts";
import { type SampleRecord, sampleRecord } from "../../shared/local/sample-records.ts";
import { clickstream as pipeline } from "../../shared/pipelines/clickstream.ts";
import { hideKafkajsTimerWarning } from "../../shared/runtime/kafka-connection.ts";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";
import { queryDuckDb, sqlString } from "../helpers/duckdb.ts";
import { tempDir } from "../helpers/lake.ts";
import { assertKafkaReady, kafkaBrokers } from "../helpers/services.ts";
import { freshTopic, kafka } from "../integration/kafka-test-kit.ts";
import {
  compareCompacted,
  compareGold,
  compareLate,
  icebergTable,
  type ReferenceRecord,
  writeReferenceInput,
} from "./helpers/reference.ts";

/**
 * What a Flink or Storm job does when it writes events back to Kafka: week-old events, stamped
 * with the wall clock as their Kafka timestamp, through a real broker, at least once (part of
 * them produced twice, at other offsets), plus a few stragglers the stream's watermark has long
 * passed. The gold tables must hold every event in its window once, and equal DuckDB's.
 */

process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
process.env.POWERTOOLS_METRICS_DISABLED = "true";
const HOUR = 3_600_000;
const MINUTE = 60_000;
const EVENTS = 2000;
const STRAGGLERS = 40;
const PARTITIONS = 3;
// A week ago on the hour: the events' time; the broker stamps them with now.
const START = Math.floor((Date.now() - 7 * 24 * HOUR) / HOUR) * HOUR;

interface Produced {
  readonly sample: SampleRecord;
  readonly partition: number;
  readonly offset: number;
}

const partitionOf = (s: SampleRecord) => Number(/^user-(\d+)$/.exec(s.key)?.[1] ?? 0) % PARTITIONS;
// Four hours of events, produced out of event-time order by up to ten minutes (< the lateness).
const events = Array.from({ length: EVENTS }, (_, i) =>
  sampleRecord(i, i % 43 === 42, { startMs: START, spacingMs: (4 * HOUR) / EVENTS }),
)
  .map((sample, i) => ({ sample, at: sample.eventTime + ((i * 7919) % (10 * MINUTE)) }))
  .sort((a, b) => a.at - b.at)
  .map((e) => e.sample);
// New events from the first hour, produced after all the others: behind the watermark.
const stragglers = Array.from({ length: STRAGGLERS }, (_, j) =>
  sampleRecord(EVENTS + j, false, { startMs: START + 5 * MINUTE + j * MINUTE, spacingMs: 0 }),
);

let dir: string;
let lake: string;
let store: FsObjectStore;
let topic: string;
let round1: Produced[];
let round2: Produced[];
let first: MainJobResult;
let second: MainJobResult;

/** Produces with acks=all, no timestamp (the producer stamps the wall clock), and returns each offset. */
async function produce(samples: readonly SampleRecord[]): Promise<Produced[]> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const out: Produced[] = [];
  try {
    for (let i = 0; i < samples.length; i += 500) {
      const chunk = samples.slice(i, i + 500);
      const messages: Message[] = chunk.map((s) => ({
        key: s.key,
        value: Buffer.from(s.value),
        partition: partitionOf(s),
      }));
      const meta = await producer.send({ topic, acks: -1, messages });
      // One send appends each partition's messages in order from that partition's base offset.
      const next = new Map(meta.map((m) => [m.partition, Number(m.baseOffset)]));
      for (const s of chunk) {
        const partition = partitionOf(s);
        const offset = next.get(partition)!;
        next.set(partition, offset + 1);
        out.push({ sample: s, partition, offset });
      }
    }
  } finally {
    await producer.disconnect();
  }
  return out;
}

function job(now: number): Promise<MainJobResult> {
  return runMainJob({
    pipeline,
    store,
    source: {
      kind: "kafka",
      brokers: kafkaBrokers().join(","),
      batchSize: 200,
      idleSeconds: 2,
      topics: [topic],
      group: `g-${topic}`,
    },
    now,
    progress: new Progress(process.stderr, false),
    report: false,
  });
}

/**
 * The reference's input: good records, each as its own "batch" for round one (the strictest
 * watermark any batching could give) and, for round two, one batch after all of round one.
 */
function reference(rounds: readonly (readonly Produced[])[], name: string): Promise<string> {
  const records: ReferenceRecord[] = rounds.flatMap((round, r) =>
    round
      .filter((p) => p.sample.bad === undefined)
      .map((p) => ({
        value: p.sample.value,
        topic,
        partition: p.partition,
        offset: p.offset,
        timestamp: 0,
        batch: r === 0 ? { first: p.offset, last: p.offset } : { first: 1e12, last: 1e12 },
      })),
  );
  return writeReferenceInput(dir, records, name);
}

const distinctGood = (list: readonly Produced[]) => list.filter((p) => !p.sample.bad && !p.sample.bot);
const goldTable = (table: string) => icebergTable(lake, table);

let now: number;
let round2Start: number;

beforeAll(async () => {
  await assertKafkaReady();
  hideKafkajsTimerWarning();
  dir = await tempDir("wall-clock");
  lake = join(dir, "lake");
  store = new FsObjectStore(lake, { durable: false });
  topic = await freshTopic("refeed", PARTITIONS);
  now = Math.ceil(Date.now() / MINUTE) * MINUTE;
  round1 = await produce(events);
  first = await job(now);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("events re-fed by another engine with wall-clock Kafka timestamps (real broker)", () => {
  it("fill the gold tables though their Kafka timestamps are a week after their event times", async () => {
    expect(first.run.status).toBe("SUCCEEDED");
    expect(first.ingest.recordsIn).toBe(EVENTS);
    const [lag] = await queryDuckDb(
      `SELECT min(epoch_ms(_ts)) - max(epoch_ms(ts)) AS ms FROM read_parquet(${sqlString(`${lake}/${pipeline.sink.table}/**/*.parquet`)})`,
    );
    expect(Number(lag!.ms)).toBeGreaterThan(6 * 24 * HOUR);
    const tables = first.runRecord!.stages.aggregate.tables;
    expect(Object.values(tables).map((t) => t.late)).toEqual([0, 0]);
    const gold = await compareGold(lake, await reference([round1], "round1.jsonl"));
    expect(gold.byType.expected).toBeGreaterThan(50);
    expect(gold.byType).toMatchObject({ missing: 0, extra: 0, actual: gold.byType.expected });
    expect(gold.activeUsers.expected).toBeGreaterThan(5);
    expect(gold.activeUsers).toMatchObject({ missing: 0, extra: 0, actual: gold.activeUsers.expected });
  });

  it("after a replay and stragglers, hold each event once in the published and gold tables, equal to DuckDB", async () => {
    // The upstream replays every ninth event (at least once), and stragglers come in.
    round2Start = Date.now();
    round2 = await produce([...stragglers, ...events.filter((_, i) => i % 9 === 4)]);
    second = await job(now + MINUTE);
    expect(second.run.status).toBe("SUCCEEDED");
    expect(second.ingest.recordsIn).toBe(round2.length);
    const input = await reference([round1, round2], "both.jsonl");
    const gold = await compareGold(lake, input);
    expect(gold.byType.expected).toBeGreaterThan(50);
    expect(gold.byType).toMatchObject({ missing: 0, extra: 0, actual: gold.byType.expected });
    expect(gold.activeUsers).toMatchObject({ missing: 0, extra: 0, actual: gold.activeUsers.expected });

    const compacted = await compareCompacted(lake, input);
    expect(compacted).toMatchObject({ duplicates: 0, keyDuplicates: 0 });
    const published = distinctGood(round1).length + STRAGGLERS;
    expect(compacted.offsets).toMatchObject({ missing: 0, extra: 0, expected: published });

    // Counts and sums straight from the generator: every round-one event once, no straggler.
    const [sums] = await queryDuckDb(
      `SELECT sum(events) AS events, CAST(sum(revenue) AS VARCHAR) AS revenue FROM ${goldTable("clickstream_by_type_15m")}`,
      { iceberg: true },
    );
    const good = distinctGood(round1);
    expect(Number(sums!.events)).toBe(good.length);
    const cents = good.reduce((n, p) => n + p.sample.amountCents, 0);
    expect(sums!.revenue).toBe((cents / 100).toFixed(2));
    // The kept rows are the first deliveries: none carries a Kafka timestamp of the replay.
    const [kept] = await queryDuckDb(
      `SELECT count(*) FILTER (WHERE epoch_ms(_ts) >= ${round2Start} AND event_id IN (SELECT event_id FROM read_json(${sqlString(input)}) WHERE b_first < 1e12)) AS replayed
       FROM ${icebergTable(lake, "clickstream_events")}`,
      { iceberg: true },
    );
    expect(Number(kept!.replayed)).toBe(0);
  });

  it("count the replayed rows as key duplicates and the stragglers as late, honestly", async () => {
    const input = await reference([round1, round2], "both.jsonl");
    const late = await compareLate(lake, input);
    expect(late).toMatchObject({ expected: STRAGGLERS, missing: 0, extra: 0 });
    const compact = second.runRecord!.stages.compact;
    expect(compact.duplicates).toBe(0);
    expect(compact.keyDuplicates).toBe(distinctGood(round2.slice(STRAGGLERS)).length);
    expect(first.runRecord!.stages.compact.keyDuplicates).toBe(0);
    // Each straggler misses its 15-minute window and both hopping hours around it.
    const tables = second.runRecord!.stages.aggregate.tables;
    expect(tables.clickstream_by_type_15m!.late).toBe(STRAGGLERS);
    expect(tables.clickstream_active_users_1h!.late).toBe(2 * STRAGGLERS);
  });
});
