import { compileBatchLayout, compileBatchPlanner } from "../shared/core/batch.ts";
import { fileEncoderSpec } from "../shared/core/encode/file-encoder.ts";
import { decodeKafkaEvent } from "../shared/core/kafka-decode.ts";
import type { KafkaEvent } from "../shared/core/kafka-event.ts";
import { clickstream } from "../shared/pipelines/clickstream.ts";
import { createEncodePool } from "../shared/runtime/encode-pool.ts";

/** Records/s by the wall clock, per CPU-second of the whole process, and per second of the critical path. */
export interface ProcessRate {
  readonly rate: number;
  readonly processCpuRate: number;
  /**
   * Records per second of CPU on the longest thread of each batch: the main thread's CPU, or the
   * CPU of every other thread if more (the workers, which run beside it). What the wall clock
   * would give with a vCPU per thread; six sessions on two cores stretch the wall clock itself.
   */
  readonly criticalCpuRate: number;
}

export interface InlineVsPooled {
  readonly workers: number;
  readonly filesPerBatch: number;
  readonly inline: ProcessRate;
  readonly pooled: ProcessRate;
  /** Pooled ÷ inline, by the wall clock: what a second vCPU buys a batch. */
  readonly speedup: number;
  /** Pooled ÷ inline per process CPU-second: below 1 is the cost of copying columns to workers. */
  readonly cpuEfficiency: number;
  /** Pooled ÷ inline per critical-path CPU-second: the speedup with a vCPU per thread. */
  readonly criticalSpeedup: number;
}

const seconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

/** Runs `batch` over every event and rates it; `batch` returns how many records it handled. */
async function measure(
  events: readonly KafkaEvent[],
  batch: (e: KafkaEvent) => Promise<number>,
): Promise<ProcessRate> {
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  let n = 0;
  let critical = 0;
  for (const e of events) {
    const p0 = process.cpuUsage();
    const t0 = process.threadCpuUsage();
    n += await batch(e);
    const main = seconds(process.threadCpuUsage(t0));
    critical += Math.max(main, seconds(process.cpuUsage(p0)) - main);
  }
  const wall = (performance.now() - wall0) / 1000;
  return {
    rate: n / wall,
    processCpuRate: n / seconds(process.cpuUsage(cpu0)),
    criticalCpuRate: n / critical,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * The ingest core as the ingest runs it, inline and with the encode pool (`workers` threads
 * beside this one, the pool's default on this machine unless `BENCH_ENCODE_WORKERS` says), in
 * `rounds` interleaved rounds so both sides meet the same load; medians of each side. A Lambda
 * function with 1,769 MB or more has two vCPUs or more, this machine two shared with others.
 */
export async function coreInlineVsPooled(
  events: readonly KafkaEvent[],
  workers: number,
  rounds = 3,
): Promise<InlineVsPooled> {
  const plan = compileBatchPlanner(clickstream, { keepRows: false });
  const layout = compileBatchLayout(clickstream, { keepRows: false });
  const spec = fileEncoderSpec(clickstream);
  const pool = createEncodePool({ workers });
  let files = 0;
  const inline = () => measure(events, async (e) => plan(decodeKafkaEvent(e)).recordsIn);
  const pooled = () => {
    files = 0;
    return measure(events, async (e) => {
      const { pendingFiles, recordsIn } = layout(decodeKafkaEvent(e));
      files += (await pool.encode(spec, pendingFiles)).length;
      return recordsIn;
    });
  };
  try {
    // Warm both paths (and start the workers) so the rounds compare steady states.
    await pool.encode(spec, layout(decodeKafkaEvent(events[0]!)).pendingFiles);
    plan(decodeKafkaEvent(events[0]!));
    const a: ProcessRate[] = [];
    const b: ProcessRate[] = [];
    for (let r = 0; r < rounds; r++) {
      a.push(await inline());
      b.push(await pooled());
    }
    const side = (xs: ProcessRate[]) => ({
      rate: median(xs.map((x) => x.rate)),
      processCpuRate: median(xs.map((x) => x.processCpuRate)),
      criticalCpuRate: median(xs.map((x) => x.criticalCpuRate)),
    });
    const i = side(a);
    const p = side(b);
    return {
      workers: pool.workers,
      filesPerBatch: files / events.length,
      inline: i,
      pooled: p,
      speedup: p.rate / i.rate,
      cpuEfficiency: p.processCpuRate / i.processCpuRate,
      criticalSpeedup: p.criticalCpuRate / i.criticalCpuRate,
    };
  } finally {
    await pool.close();
  }
}
