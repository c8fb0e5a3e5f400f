import { compileBatchPlanner } from "../shared/core/batch.ts";
import { decodeKafkaEvent } from "../shared/core/kafka-decode.ts";
import type { KafkaEvent } from "../shared/core/kafka-event.ts";
import { compileRecordProcessor } from "../shared/core/process-record.ts";
import { clickstream } from "../shared/pipelines/clickstream.ts";

/**
 * A measured rate, by the wall clock and by this thread's CPU time. Six sessions share this
 * machine's two cores: waiting for a core stretches wall time but not CPU time, so ratios of
 * CPU rates hold where wall-clock ratios swing with the load.
 */
export interface Rate {
  readonly rate: number;
  readonly cpuRate: number;
}

/** Times `work` (which returns how many records it handled) on the wall clock and in thread CPU. */
export function measure(work: () => number): Rate {
  const cpu0 = process.threadCpuUsage();
  const wall0 = performance.now();
  const n = work();
  const wall = (performance.now() - wall0) / 1000;
  const cpu = process.threadCpuUsage(cpu0);
  return { rate: n / wall, cpuRate: n / ((cpu.user + cpu.system) / 1e6) };
}

/** Records/s of the floor: base64 decode + JSON.parse of every value, nothing else. */
export function floorRate(events: readonly KafkaEvent[]): Rate {
  let sink = 0;
  const rate = measure(() => {
    let n = 0;
    for (const e of events) {
      for (const list of Object.values(e.records)) {
        for (const r of list) {
          const v = JSON.parse(Buffer.from(r.value!, "base64").toString("utf8"));
          sink += v === null ? 0 : 1;
          n++;
        }
      }
    }
    return n;
  });
  if (sink < 0) throw new Error("unreachable");
  return rate;
}

/** Records/s of the ingest core: decode → transform → validate → partition → Parquet bytes in memory. */
export function coreRate(events: readonly KafkaEvent[]): Rate & { bytes: number; files: number } {
  // As the ingest compiles it for a pipeline without write-back: rows only in their files' columns.
  const plan = compileBatchPlanner(clickstream, { keepRows: false });
  let bytes = 0;
  let files = 0;
  const rate = measure(() => {
    let n = 0;
    for (const e of events) {
      const p = plan(decodeKafkaEvent(e));
      n += p.recordsIn;
      for (const f of p.dataFiles) bytes += f.body.length;
      files += p.dataFiles.length;
    }
    return n;
  });
  return { ...rate, bytes, files };
}

/** Records/s of the core before encoding: decode → transform → validate → partition, no Parquet. */
export function coreWithoutEncodingRate(events: readonly KafkaEvent[]): Rate {
  const processRecord = compileRecordProcessor(clickstream);
  return measure(() => {
    let n = 0;
    for (const e of events) {
      for (const batch of decodeKafkaEvent(e)) {
        for (const r of batch.records) {
          processRecord(r);
          n++;
        }
      }
    }
    return n;
  });
}
