import { describe, expect, it } from "vitest";
import { compileBatchPlanner } from "../../shared/core/batch.ts";
import { avroType } from "../../shared/core/encode/avro-row.ts";
import type { Pipeline } from "../../shared/core/pipeline/types.ts";
import { avroSchema } from "../../shared/core/schema-export/avro-schema.ts";
import { tableShape } from "../../shared/core/schema-export/table-shape.ts";
import { sampleKafkaRecord, sampleRecord } from "../../shared/local/sample-records.ts";
import { clickstream } from "../../shared/pipelines/clickstream.ts";
import { LINEAGE_HEADERS, writeBackMessages } from "../../shared/runtime/write-back-rows.ts";

/** Rows of sample records through the pipeline's planner, arrived `delayMs` after their event time. */
function rows(pipeline: Pipeline, n: number, delayMs = 0) {
  return compileBatchPlanner(pipeline)([
    {
      topic: "clickstream",
      partition: 2,
      records: Array.from({ length: n }, (_, i) => {
        const s = sampleRecord(i);
        return sampleKafkaRecord(s, {
          topic: "clickstream",
          partition: 2,
          offset: 100 + i,
          timestamp: s.eventTime + delayMs,
        });
      }),
    },
  ]).rows;
}

describe("write-back messages (docs/write-back.md)", () => {
  it("Kafka timestamp = the row's event time, not the arrival; lineage headers; source key kept; source partition for keyless routing", () => {
    const pipeline: Pipeline = { ...clickstream, writeBack: { topic: "out" } };
    const input = rows(pipeline, 20, 7 * 24 * 3_600_000);
    const messages = writeBackMessages(pipeline, input);
    expect(messages).toHaveLength(input.length);
    messages.forEach((m, i) => {
      const { values, record } = input[i]!;
      expect(m.timestamp).toBe(values.ts);
      expect(m.timestamp).not.toBe(record.timestamp);
      expect(m.key).toEqual(record.key);
      expect(m.sourcePartition).toBe(2);
      expect(m.headers).toEqual({
        [LINEAGE_HEADERS.topic]: "clickstream",
        [LINEAGE_HEADERS.partition]: "2",
        [LINEAGE_HEADERS.offset]: String(record.offset),
      });
      expect(JSON.parse(new TextDecoder().decode(m.value)).event_id).toBe(values.event_id);
    });
  });

  it("partitioned on the Kafka timestamp: that timestamp is the event time written back", () => {
    const pipeline: Pipeline = {
      ...clickstream,
      partitioning: { ...clickstream.partitioning, eventTime: "kafka-timestamp" },
      aggregations: undefined as never,
      writeBack: { topic: "out", key: "user_id" },
    };
    const input = rows(pipeline, 5, 1234);
    const messages = writeBackMessages(pipeline, input);
    expect(messages.map((m) => m.timestamp)).toEqual(input.map((r) => r.record.timestamp));
    expect(messages.map((m) => new TextDecoder().decode(m.key!))).toEqual(
      input.map((r) => String(r.values.user_id)),
    );
  });

  it("format avro: each value is one binary datum of the printed write-back schema", () => {
    const pipeline: Pipeline = { ...clickstream, writeBack: { topic: "out", format: "avro" } };
    const input = rows(pipeline, 30);
    const type = avroType(avroSchema(tableShape(clickstream, { writeBack: true })));
    for (const [i, m] of writeBackMessages(pipeline, input).entries()) {
      const decoded = type.fromBuffer(Buffer.from(m.value)) as { event_id: string; ts: bigint };
      expect(decoded.event_id).toBe(input[i]!.values.event_id);
      expect(decoded.ts).toBe(BigInt(m.timestamp!) * 1000n);
    }
  });
});
