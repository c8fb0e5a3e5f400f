import { setTimeout as sleep } from "node:timers/promises";
import { beforeAll, describe, expect, it } from "vitest";
import type { RawRecord } from "../../shared/core/kafka-decode.ts";
import { assertKafkaReady } from "../helpers/services.ts";
import { eventSource, freshTopic, numbered, produce, recordingHandler, waitFor } from "./kafka-test-kit.ts";

beforeAll(assertKafkaReady);

const PARTITIONS = 4;
const PER_PARTITION = 100;

describe("event source with several partitions in flight (real broker, test handler)", () => {
  it("a partition whose batches keep failing holds back only itself; each partition lands in offset order, exactly once", async () => {
    const topic = await freshTopic("esm-conc", PARTITIONS);
    await produce(topic, numbered(PARTITIONS * PER_PARTITION, PARTITIONS));
    // What the function finished (not reported failed), per partition, in the order it finished them.
    const landed = new Map<number, number[]>();
    const inFlight = new Map<number, number>();
    let overlap = 0;
    let maxInFlight = 0;
    let current = 0;
    let failures = 0;
    const othersDone = () =>
      [...Array(PARTITIONS).keys()].slice(1).every((p) => (landed.get(p)?.length ?? 0) >= PER_PARTITION);
    const rec = recordingHandler(async (records: RawRecord[]) => {
      const partitions = [...new Set(records.map((r) => r.partition))];
      for (const p of partitions) {
        if (inFlight.get(p)) overlap++;
        inFlight.set(p, 1);
      }
      maxInFlight = Math.max(maxInFlight, ++current);
      // An I/O wait, as a write to the lake would have: where other invocations overlap it.
      await sleep(5);
      current--;
      for (const p of partitions) inFlight.set(p, 0);
      // Partition 0 fails from its 30th record on until every other partition is in: with one
      // invocation at a time the retries of its batch would hold the others back for ever.
      const failAt = othersDone() ? undefined : records.find((r) => r.partition === 0 && r.offset >= 30);
      if (failAt) failures++;
      for (const r of records) {
        if (failAt && r.partition === 0 && r.offset >= failAt.offset) continue;
        landed.set(r.partition, [...(landed.get(r.partition) ?? []), r.offset]);
      }
      const item = { partition: `${topic}-0`, offset: failAt?.offset };
      return { batchItemFailures: failAt ? [{ itemIdentifier: item }] : [] };
    });
    const esm = eventSource(topic, rec.handler, {
      batchSize: 10,
      maximumBatchingWindowInSeconds: 0,
      reportBatchItemFailures: true,
      maxConcurrentInvocations: PARTITIONS,
    });
    await esm.start();
    await waitFor("every record landed", () => esm.stats().recordsDone >= PARTITIONS * PER_PARTITION);
    await esm.stop();

    expect(failures).toBeGreaterThan(0);
    expect(overlap).toBe(0); // never one partition in two invocations at once
    expect(maxInFlight).toBeGreaterThan(1);
    const all = [...Array(PER_PARTITION).keys()];
    for (let p = 0; p < PARTITIONS; p++) expect(landed.get(p)).toEqual(all);
    expect([...(await esm.lag()).values()]).toEqual(new Array(PARTITIONS).fill(0));
  });
});
