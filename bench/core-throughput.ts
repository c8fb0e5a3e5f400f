import { compileBatchPlanner } from "../shared/core/batch.ts";
import { decodeKafkaEvent } from "../shared/core/kafka-decode.ts";
import type { KafkaEvent } from "../shared/core/kafka-event.ts";
import { compileRecordProcessor } from "../shared/core/process-record.ts";
import { clickstream } from "../shared/pipelines/clickstream.ts";

/** Records/s of the floor: base64 decode + JSON.parse of every value, nothing else. */
export function floorRate(events: readonly KafkaEvent[]): number {
  let n = 0;
  let sink = 0;
  const started = performance.now();
  for (const e of events) {
    for (const list of Object.values(e.records)) {
      for (const r of list) {
        const v = JSON.parse(Buffer.from(r.value!, "base64").toString("utf8"));
        sink += v === null ? 0 : 1;
        n++;
      }
    }
  }
  if (sink < 0) throw new Error("unreachable");
  return n / ((performance.now() - started) / 1000);
}

/** Records/s of the ingest core: decode → transform → validate → partition → Parquet bytes in memory. */
export function coreRate(events: readonly KafkaEvent[]): { rate: number; bytes: number; files: number } {
  const plan = compileBatchPlanner(clickstream, { keepRows: false });
  let n = 0;
  let bytes = 0;
  let files = 0;
  const started = performance.now();
  for (const e of events) {
    const p = plan(decodeKafkaEvent(e));
    n += p.recordsIn;
    for (const f of p.dataFiles) bytes += f.body.length;
    files += p.dataFiles.length;
  }
  return { rate: n / ((performance.now() - started) / 1000), bytes, files };
}

/** Records/s of the core before encoding: decode → transform → validate → partition, no Parquet. */
export function coreWithoutEncodingRate(events: readonly KafkaEvent[]): number {
  const processRecord = compileRecordProcessor(clickstream);
  let n = 0;
  const started = performance.now();
  for (const e of events) {
    for (const batch of decodeKafkaEvent(e)) {
      for (const r of batch.records) {
        processRecord(r);
        n++;
      }
    }
  }
  return n / ((performance.now() - started) / 1000);
}
