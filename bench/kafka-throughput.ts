import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Kafka, logLevel, type Message } from "kafkajs";
import { decodeKafkaEvent } from "../shared/core/kafka-decode.ts";
import { KafkaEventSource } from "../shared/local/event-source/event-source.ts";
import type { KafkaHandler } from "../shared/local/event-source/invoke.ts";
import { sampleRecord } from "../shared/local/sample-records.ts";
import { pipelineByName } from "../shared/pipelines/index.ts";
import { createIngestHandler } from "../shared/runtime/ingest-handler.ts";
import { hideKafkajsTimerWarning } from "../shared/runtime/kafka-connection.ts";
import { FsObjectStore } from "../shared/storage/fs-store.ts";

/**
 * Local end to end Kafka → lake: the real broker, the local event source with `lakestream run`'s
 * defaults (batches of up to 1,000, 0.5 s window), the real ingest handler writing Parquet to a
 * durable on-disk lake. Two figures:
 * - throughput: a backlog of RECORDS records drained, records/s from start to last commit;
 * - latency at a fixed rate: produce RATE records/s for SECONDS s; per record, the time from
 *   its Kafka timestamp (set when produced) to the moment its batch is in the lake. The
 *   batching window is part of it, as on Lambda.
 * Needs a broker at LAKESTREAM_KAFKA_BROKERS (default 127.0.0.1:9092). BENCH_KAFKA_RECORDS,
 * BENCH_KAFKA_RATE, BENCH_KAFKA_SECONDS, BENCH_KAFKA_BATCH and BENCH_KAFKA_CONCURRENCY change the run.
 */
const BROKERS = (process.env.LAKESTREAM_KAFKA_BROKERS ?? "127.0.0.1:9092").split(",");
const RECORDS = Number(process.env.BENCH_KAFKA_RECORDS ?? 100_000);
const RATE = Number(process.env.BENCH_KAFKA_RATE ?? 2_000);
const SECONDS = Number(process.env.BENCH_KAFKA_SECONDS ?? 10);
/** `lakestream run`'s default batch size unless set. */
const BATCH = Number(process.env.BENCH_KAFKA_BATCH ?? 1_000);
/** Invocations in flight (partitions processed at once); the event source's default when unset. */
const CONCURRENCY = process.env.BENCH_KAFKA_CONCURRENCY
  ? Number(process.env.BENCH_KAFKA_CONCURRENCY)
  : undefined;

const kafka = new Kafka({ clientId: "lakestream-bench", brokers: BROKERS, logLevel: logLevel.NOTHING });

async function topic(name: string): Promise<string> {
  // Short names: the ingest commit key lists every topic-partition range of a batch.
  const t = `b${name[0]}-${randomUUID().slice(0, 8)}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: t, numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  return t;
}

const message = (i: number): Message => {
  const r = sampleRecord(i);
  return { key: r.key, value: Buffer.from(r.value) };
};

async function withRunner<T>(
  t: string,
  wrap: (h: KafkaHandler) => KafkaHandler,
  body: (esm: KafkaEventSource) => Promise<T>,
): Promise<T> {
  const lake = await mkdtemp(join(tmpdir(), "bench-kafka-"));
  const ingest = createIngestHandler({
    pipeline: pipelineByName("clickstream"),
    store: new FsObjectStore(lake),
  });
  const esm = new KafkaEventSource(
    {
      connection: { brokers: BROKERS },
      topics: [t],
      groupId: `g-${t}`,
      batchSize: BATCH,
      reportBatchItemFailures: true,
      ...(CONCURRENCY === undefined ? {} : { maxConcurrentInvocations: CONCURRENCY }),
    },
    wrap((event, context) => ingest(event, context)),
    {
      log: (level, message, fields) =>
        level !== "info" && console.error(JSON.stringify({ level, message, ...fields })),
    },
  );
  await esm.start();
  try {
    return await body(esm);
  } finally {
    await esm.stop();
    await rm(lake, { recursive: true, force: true });
  }
}

async function until(
  check: () => boolean,
  timeoutMs: number,
  describe: () => string = () => "",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`bench timed out: ${describe()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Records/s of the backlog drain by the wall clock and per CPU-second of the main thread (where
 * the poller and the handler run; the core's figure is measured the same way), and the whole
 * process's CPU-seconds (GC helpers and file I/O threads too) per wall second.
 */
async function throughput(): Promise<{ rate: number; cpuRate: number; cpuShare: number }> {
  const t = await topic("throughput");
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < RECORDS; i += 1000) {
    await producer.send({
      topic: t,
      acks: -1,
      messages: Array.from({ length: Math.min(1000, RECORDS - i) }, (_, k) => message(i + k)),
    });
  }
  await producer.disconnect();
  return withRunner(
    t,
    (h) => h,
    async (esm) => {
      const started = performance.now();
      const cpu = process.cpuUsage();
      const thread = process.threadCpuUsage();
      await until(
        () => esm.stats().recordsDone >= RECORDS,
        Number(process.env.BENCH_KAFKA_TIMEOUT_MS ?? 600_000),
        () => JSON.stringify({ ...esm.stats(), lag: [...esm.stats().lag] }),
      );
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      const main = process.threadCpuUsage(thread);
      return {
        rate: Math.round(RECORDS / seconds),
        cpuRate: Math.round(RECORDS / ((main.user + main.system) / 1e6)),
        cpuShare: (used.user + used.system) / 1e6 / seconds,
      };
    },
  );
}

async function latency(): Promise<{ p50: number; p99: number }> {
  const t = await topic("latency");
  const latencies: number[] = [];
  const wrap =
    (h: KafkaHandler): KafkaHandler =>
    async (event, context) => {
      const result = await h(event, context);
      const done = Date.now();
      for (const b of decodeKafkaEvent(event)) for (const r of b.records) latencies.push(done - r.timestamp);
      return result;
    };
  const total = RATE * SECONDS;
  await withRunner(t, wrap, async (esm) => {
    const producer = kafka.producer();
    await producer.connect();
    const started = performance.now();
    // 20 sends a second at a steady pace; each record's timestamp is its send time.
    for (let sent = 0; sent < total; ) {
      const n = Math.min(Math.max(1, Math.round(RATE / 20)), total - sent);
      await producer.send({
        topic: t,
        acks: 1,
        messages: Array.from({ length: n }, (_, k) => message(sent + k)),
      });
      sent += n;
      const due = (sent / RATE) * 1000 - (performance.now() - started);
      if (due > 0) await new Promise((r) => setTimeout(r, due));
    }
    await producer.disconnect();
    await until(
      () => latencies.length >= total,
      120_000,
      () => `${latencies.length}/${total} ${JSON.stringify({ ...esm.stats(), lag: [...esm.stats().lag] })}`,
    );
  });
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { p50: at(0.5), p99: at(0.99) };
}

/** The Kafka figures for `npm run bench` (BENCH_KAFKA=1) or for running this file alone. */
export async function benchKafka(): Promise<Record<string, number>> {
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
  process.env.POWERTOOLS_METRICS_DISABLED = "true";
  hideKafkajsTimerWarning();
  const drain = await throughput();
  const { p50, p99 } = await latency();
  return {
    kafkaToLakeRecordsPerSec: drain.rate,
    kafkaToLakeRecordsPerCpuSec: drain.cpuRate,
    /** CPU-seconds per wall second while draining: below 1, the pipeline waited (I/O, the broker, the load). */
    kafkaToLakeCpuShare: drain.cpuShare,
    kafkaToLakeLatencyRatePerSec: RATE,
    kafkaToLakeLatencyP50Ms: p50,
    kafkaToLakeLatencyP99Ms: p99,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = await benchKafka();
  console.log(JSON.stringify(results, null, 2));
}
