import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventShapeError } from "../../shared/core/errors.ts";
import { decodeKafkaEvent, type RawRecord } from "../../shared/core/kafka-decode.ts";
import { encodeKafkaEvent } from "../../shared/core/kafka-encode.ts";

const bytes = fc.uint8Array({ maxLength: 64 });
const recordsArb = fc
  .array(
    fc.record({
      topic: fc.constantFrom("clicks", "orders.v1", "a_b-c"),
      partition: fc.integer({ min: 0, max: 5 }),
      timestamp: fc.integer({ min: 0, max: 4_000_000_000_000 }),
      timestampType: fc.constantFrom("CREATE_TIME", "LOG_APPEND_TIME") as fc.Arbitrary<
        RawRecord["timestampType"]
      >,
      key: fc.option(bytes, { nil: null }),
      value: fc.option(bytes, { nil: null }),
      headers: fc.array(fc.record({ key: fc.string({ minLength: 1, maxLength: 8 }), value: bytes }), {
        maxLength: 3,
      }),
    }),
    { maxLength: 40 },
  )
  // Offsets rise within each topic-partition, as Kafka guarantees.
  .map((rs) => rs.map((r, i): RawRecord => ({ ...r, offset: i * 3 + (r.partition % 2) })));

function byPartition(records: readonly RawRecord[]) {
  const m = new Map<string, RawRecord[]>();
  for (const r of records)
    m.set(`${r.topic}-${r.partition}`, [...(m.get(`${r.topic}-${r.partition}`) ?? []), r]);
  return m;
}

describe("Kafka event codec", () => {
  it("decode(encode(records)) gives back every record, bytes and headers included, for MSK and self-managed events", () => {
    fc.assert(
      fc.property(
        recordsArb,
        fc.constantFrom("aws:kafka", "SelfManagedKafka") as fc.Arbitrary<"aws:kafka">,
        (records, source) => {
          const wire = JSON.parse(JSON.stringify(encodeKafkaEvent(records, { eventSource: source })));
          const decoded = decodeKafkaEvent(wire, { strictBase64: true });
          const expected = byPartition(records);
          expect(decoded.map((b) => `${b.topic}-${b.partition}`).sort()).toEqual([...expected.keys()].sort());
          for (const b of decoded) {
            const want = expected.get(`${b.topic}-${b.partition}`)!;
            expect(
              b.records.map((r) => ({
                ...r,
                key: r.key && [...r.key],
                value: r.value && [...r.value],
                headers: r.headers.map((h) => [h.key, [...h.value]]),
              })),
            ).toEqual(
              want.map((r) => ({
                ...r,
                key: r.key && [...r.key],
                value: r.value && [...r.value],
                headers: r.headers.map((h) => [h.key, [...h.value]]),
              })),
            );
          }
        },
      ),
    );
  });

  it("accepts the signed Java bytes Lambda may send in headers", () => {
    const [batch] = decodeKafkaEvent({
      eventSource: "SelfManagedKafka",
      records: {
        "t-0": [
          {
            topic: "t",
            partition: 0,
            offset: 1,
            timestamp: 1,
            timestampType: "CREATE_TIME",
            value: null,
            headers: [{ h: [-1, 65] }],
          },
        ],
      },
    });
    expect([...batch!.records[0]!.headers[0]!.value]).toEqual([255, 65]);
  });

  it.each([
    [{}, "event.eventSource"],
    [{ eventSource: "aws:sqs", records: {} }, "event.eventSource"],
    [{ eventSource: "aws:kafka", records: [] }, "event.records"],
    [{ eventSource: "aws:kafka", records: { "t-0": {} } }, 'event.records["t-0"]'],
    [
      { eventSource: "aws:kafka", records: { "t-0": [{ topic: "t", partition: 0, offset: -1 }] } },
      'event.records["t-0"][0].offset',
    ],
    [
      {
        eventSource: "aws:kafka",
        records: {
          "t-1": [
            { topic: "t", partition: 0, offset: 1, timestamp: 1, timestampType: "CREATE_TIME", headers: [] },
          ],
        },
      },
      'event.records["t-1"]',
    ],
  ])("rejects a malformed event with EventShapeError naming the path (%#)", (event, path) => {
    expect(() => decodeKafkaEvent(event, { strictBase64: true })).toThrow(EventShapeError);
    try {
      decodeKafkaEvent(event, { strictBase64: true });
    } catch (e) {
      expect((e as EventShapeError).path).toBe(path);
    }
  });

  it("rejects a value that is not base64 in strict mode, naming the field", () => {
    const event = {
      eventSource: "aws:kafka",
      records: {
        "t-0": [
          {
            topic: "t",
            partition: 0,
            offset: 0,
            timestamp: 1,
            timestampType: "CREATE_TIME",
            value: "!!!!",
            headers: [],
          },
        ],
      },
    };
    expect(() => decodeKafkaEvent(event, { strictBase64: true })).toThrow(
      /event.records\["t-0"\]\[0\].value: must be base64/,
    );
  });
});
