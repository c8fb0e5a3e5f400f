import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { batchMemory } from "./batch-memory.ts";
import { coreRate, coreWithoutEncodingRate, floorRate } from "./core-throughput.ts";
import { costTable } from "./cost.ts";
import { duckDbRate } from "./duckdb-reference.ts";
import { coreInlineVsPooled } from "./encode-workers.ts";
import { handlerBundle } from "./handler-bundle.ts";
import { sampleBatches } from "./sample-batches.ts";
import { stagesBench } from "./stages-throughput.ts";

/**
 * `npm run bench`: one process, one run, the same generated data for every contender.
 * Figures are printed as ratios because this machine is shared and noisy, by the wall clock and
 * by CPU time (which the load does not stretch); absolute records/s are kept in bench/results/
 * for comparing changes.
 */
const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const writerVersion = JSON.parse(
  readFileSync(join(import.meta.dirname, "../node_modules/hyparquet-writer/package.json"), "utf8"),
).version as string;
const BATCH = 10_000;

const dir = await mkdtemp(join(tmpdir(), "lakestream-bench-"));
process.stderr.write(`generating ${RECORDS} records in batches of ${BATCH}…\n`);
const { events, ndjson } = sampleBatches(RECORDS / BATCH, BATCH);

// Warm both paths once so the JIT compares steady states.
floorRate(events.slice(0, 2));
coreRate(events.slice(0, 2));
const floor = floorRate(events);
const core = coreRate(events);
const beforeEncoding = coreWithoutEncodingRate(events);
// At least one worker, so the comparison runs on any machine; BENCH_ENCODE_WORKERS sets how many.
const pooled = await coreInlineVsPooled(events, Number(process.env.BENCH_ENCODE_WORKERS ?? 1));
const duck = await duckDbRate(ndjson, dir);
const bundle = await handlerBundle(dir);
const memory = await batchMemory();
const stagesRecords = Number(process.env.BENCH_STAGES_RECORDS ?? RECORDS);
const window = process.env.BENCH_STAGES_WINDOW === "1";
process.stderr.write(
  `later stages over ${stagesRecords} records${window ? " in one hour" : ""} (a fresh process)…\n`,
);
const stages = await stagesBench(stagesRecords, window);
const stagesMs = stages.compactMs + stages.aggregateMs + stages.publishMs;
const stagesRate = stages.stagesRows / (stagesMs / 1000);
const stagesCpuRate = stages.stagesRows / (stages.stagesCpuMs / 1000);
const bytesPerRecord = ndjson.reduce((n, line) => n + Buffer.byteLength(line), 0) / ndjson.length;
const costs = costTable({
  coreRecordsPerSec: core.cpuRate,
  stagesRowsPerSec: stagesCpuRate,
  bytesPerRecord,
  recordsPerBatch: BATCH,
  stagesMemoryMb: 2048,
});

const results: Record<string, number> = {
  records: RECORDS,
  floorRecordsPerSec: Math.round(floor.rate),
  coreRecordsPerSec: Math.round(core.rate),
  duckdbRecordsPerSec: Math.round(duck.rate),
  coreVsFloor: core.rate / floor.rate,
  coreWithoutEncodingRecordsPerSec: Math.round(beforeEncoding.rate),
  coreWithoutEncodingVsFloor: beforeEncoding.rate / floor.rate,
  coreVsDuckDb: core.rate / duck.rate,
  floorRecordsPerCpuSec: Math.round(floor.cpuRate),
  coreRecordsPerCpuSec: Math.round(core.cpuRate),
  duckdbRecordsPerCpuSec: Math.round(duck.cpuRate),
  coreVsFloorCpu: core.cpuRate / floor.cpuRate,
  coreWithoutEncodingVsFloorCpu: beforeEncoding.cpuRate / floor.cpuRate,
  coreVsDuckDbCpu: core.cpuRate / duck.cpuRate,
  encodeWorkers: pooled.workers,
  encodeFilesPerBatch: pooled.filesPerBatch,
  coreInlineRecordsPerSec: Math.round(pooled.inline.rate),
  corePooledRecordsPerSec: Math.round(pooled.pooled.rate),
  corePooledVsInline: pooled.speedup,
  corePooledVsInlineProcessCpu: pooled.cpuEfficiency,
  corePooledVsInlineCriticalCpu: pooled.criticalSpeedup,
  parquetBytes: core.bytes,
  parquetFiles: core.files,
  bytesPerRecord,
  handlerBundleBytes: bundle.bundleBytes,
  handlerInitMs: bundle.initMs,
  batchPayloadBytes: memory.payloadBytes,
  batchPeakRssBytes: memory.peakRssBytes,
  batchPeakRssGrowthBytes: memory.rssGrowthBytes,
  batchPeakRssGrowthSmallYoungBytes: memory.rssGrowthSmallYoungBytes,
  ...stages,
  stagesRowsPerSec: Math.round(stagesRate),
  stagesVsCore: stagesRate / core.rate,
  stagesRowsPerCpuSec: Math.round(stagesCpuRate),
  stagesVsCoreCpu: stagesCpuRate / core.cpuRate,
  publishMsPerMillionRows: (stages.publishMs / stages.stagesRows) * 1_000_000,
  ...Object.fromEntries(costs.map((c, i) => [`costUsdPerGb${i}`, c.usdPerGb])),
};

if (process.env.BENCH_KAFKA === "1") {
  const { benchKafka } = await import("./kafka-throughput.ts");
  const kafka = await benchKafka();
  Object.assign(results, kafka, {
    kafkaToLakeVsCore: kafka.kafkaToLakeRecordsPerSec! / core.rate,
    kafkaToLakeVsCoreCpu: kafka.kafkaToLakeRecordsPerCpuSec! / core.cpuRate,
  });
}

const pct = (x: number) => `${x.toFixed(2)}×`;
const n = (x: number) => Math.round(x).toLocaleString();
console.log(`
lakestream bench — ${RECORDS.toLocaleString()} records, batches of ${BATCH.toLocaleString()}; rates by wall clock, [by CPU time]
  floor (base64 + JSON.parse)        ${n(floor.rate)} rec/s [${n(floor.cpuRate)}]   1.00×
  ingest core → Parquet (in memory)  ${n(core.rate)} rec/s [${n(core.cpuRate)}]   ${pct(results.coreVsFloor!)} [${pct(results.coreVsFloorCpu!)}] of floor (target ≥ 0.5×)
    of which before encoding         ${n(beforeEncoding.rate)} rec/s [${n(beforeEncoding.cpuRate)}]   ${pct(results.coreWithoutEncodingVsFloor!)} [${pct(results.coreWithoutEncodingVsFloorCpu!)}] of floor (decode, transform, validate, partition)
  core, files encoded by ${pooled.workers} worker${pooled.workers === 1 ? "" : "s"} + main thread (${pooled.filesPerBatch.toFixed(1)} files a batch; median of 3 interleaved rounds each)
    inline / pooled, wall clock      ${n(pooled.inline.rate)} / ${n(pooled.pooled.rate)} rec/s   pooled = ${pct(pooled.speedup)} inline (the load on this machine's 2 cores stretches both)
    per CPU-second, all threads      ${n(pooled.inline.processCpuRate)} / ${n(pooled.pooled.processCpuRate)}   pooled = ${pct(pooled.cpuEfficiency)} (below 1: copying columns to the worker)
    per CPU-second, longest thread   ${n(pooled.inline.criticalCpuRate)} / ${n(pooled.pooled.criticalCpuRate)}   pooled = ${pct(pooled.criticalSpeedup)} (the speedup with a vCPU per thread)
  DuckDB JSON → Parquet (1 thread)   ${n(duck.rate)} rec/s [${n(duck.cpuRate)}]   core = ${pct(results.coreVsDuckDb!)} [${pct(results.coreVsDuckDbCpu!)}] of DuckDB (target ≥ 0.35×)
  Parquet encoder                    hyparquet-writer ${writerVersion} (pure JavaScript, in the bundle): parquet-wasm measured no faster per row and ships a 4.9 MB module (docs/performance.md)
  ingest handler bundle              ${(bundle.bundleBytes / 1024).toFixed(0)} KiB, init ${bundle.initMs.toFixed(0)} ms (median of 5 cold imports)
  one ~${(memory.payloadBytes / 2 ** 20).toFixed(1)} MB batch                 peak RSS ${(memory.peakRssBytes / 2 ** 20).toFixed(0)} MiB (+${(memory.rssGrowthBytes / 2 ** 20).toFixed(0)} MiB while planning, ${pct(memory.rssGrowthBytes / memory.payloadBytes)} the batch; ${pct(memory.rssGrowthSmallYoungBytes / memory.payloadBytes)} with --max-semi-space-size=4)
  later stages, ${stages.stagesRows.toLocaleString()} rows in ${stages.stagesPartitions} partitions   compact ${(stages.compactMs / 1000).toFixed(1)} s, aggregate ${(stages.aggregateMs / 1000).toFixed(1)} s, publish ${(stages.publishMs / 1000).toFixed(2)} s, maintain ${(stages.maintainMs / 1000).toFixed(2)} s (summed over partitions)
    compact + aggregate + publish    ${n(stagesRate)} rows/s [${n(stagesCpuRate)}]   ${pct(results.stagesVsCore!)} [${pct(results.stagesVsCoreCpu!)}] of the ingest core (target ≥ 1.0×); peak RSS ${(stages.stagesPeakRssBytes / 2 ** 20).toFixed(0)} MiB
    publish (Iceberg commits)        ${(results.publishMsPerMillionRows! / 1000).toFixed(2)} s per million rows (one atomic snapshot per table)
  cost per GB of input (${bytesPerRecord.toFixed(0)}-byte JSON records, rates by CPU time, us-east-1 list prices)`);
for (const c of costs) console.log(`    ${c.what.padEnd(34)} $${c.usdPerGb.toFixed(4)}/GB   ${c.basis}`);
for (const [k, v] of Object.entries(results))
  if (k.startsWith("kafka"))
    console.log(`  ${k.padEnd(34)} ${typeof v === "number" && !Number.isInteger(v) ? v.toFixed(2) : v}`);

const out = join(import.meta.dirname, "results");
await mkdir(out, { recursive: true });
await writeFile(
  join(out, `bench-${new Date().toISOString().replace(/[:.]/g, "-")}.json`),
  JSON.stringify(results, null, 2),
);
