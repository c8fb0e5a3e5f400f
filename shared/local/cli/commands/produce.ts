import { setTimeout as sleep } from "node:timers/promises";
import { Kafka, logLevel, type Message } from "kafkajs";
import {
  connectionFromEnv,
  hideKafkajsTimerWarning,
  kafkaClientConfig,
} from "../../../runtime/kafka-connection.ts";
import { sampleRecord } from "../../sample-records.ts";
import { asUsage, UsageError } from "../errors.ts";
import {
  BROKERS_OPTION,
  intOption,
  type OptionSpecs,
  PIPELINE_OPTION,
  parseOptions,
  pipelineOption,
} from "../options.ts";

export const summary = "write sample records (the example pipeline's shape) into a Kafka topic";

export const usage = "usage: lakestream produce --count N [options]";

export const options = {
  count: { type: "string", value: "N", help: "records to write (required)" },
  ...BROKERS_OPTION,
  topic: { type: "string", value: "T", help: "topic to write to", fallback: "the pipeline's first topic" },
  ...PIPELINE_OPTION,
  "bad-every": { type: "string", value: "K", help: "every K-th record is broken", fallback: "none broken" },
  rate: { type: "string", value: "R", help: "records per second", fallback: "as fast as possible" },
  partitions: {
    type: "string",
    value: "P",
    help: "partitions of the topic when it is created",
    fallback: "3",
  },
  start: {
    type: "string",
    value: "I",
    help: "number of the first record, so runs produce distinct records",
    fallback: "0",
  },
} as const satisfies OptionSpecs;

/**
 * `lakestream produce`: deterministic sample clickstream records (record i is always the
 * same), every K-th one broken in one of the ways the ingest quarantines. `--rate` paces
 * the producer (records/s) for latency measurements; `--start` shifts the record numbers
 * so that several runs produce distinct records. The topic is created when missing.
 * Prints one JSON summary line on stdout.
 */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseOptions(argv, options);
  if (values.count === undefined) throw new UsageError(`--count is required\n${usage}`);
  const count = intOption("count", values.count, 0, 1);
  const badEvery = intOption("bad-every", values["bad-every"], 0, 1);
  const rate = intOption("rate", values.rate, 0, 1);
  const partitions = intOption("partitions", values.partitions, 3, 1);
  const start = intOption("start", values.start, 0, 0);
  const topic = values.topic ?? (await pipelineOption(values.pipeline)).source.topics[0]!;
  hideKafkajsTimerWarning();
  const connection = await asUsage(() => connectionFromEnv(process.env, values.brokers));
  const kafka = new Kafka({
    ...kafkaClientConfig({ ...connection, clientId: "lakestream-produce" }),
    logLevel: logLevel.NOTHING,
  });

  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const started = performance.now();
  let bad = 0;
  try {
    // Paced runs send small slices every 50 ms; unpaced runs send 1,000 at a time.
    const slice = rate > 0 ? Math.max(1, Math.round(rate / 20)) : 1_000;
    for (let sent = 0; sent < count; ) {
      const messages: Message[] = [];
      for (; messages.length < slice && sent < count; sent++) {
        const i = start + sent;
        const isBad = badEvery > 0 && (i + 1) % badEvery === 0;
        if (isBad) bad++;
        const r = sampleRecord(i, isBad);
        messages.push({
          key: r.key,
          value: Buffer.from(r.value),
          headers: { "lakestream.sample": String(i) },
        });
      }
      await producer.send({ topic, acks: -1, messages });
      if (rate > 0) {
        const due = (sent / rate) * 1000 - (performance.now() - started);
        if (due > 0) await sleep(due);
      }
    }
  } finally {
    await producer.disconnect();
  }
  const ms = Math.round(performance.now() - started);
  process.stdout.write(`${JSON.stringify({ topic, produced: count, bad, first: start, ms })}\n`);
  return 0;
}
