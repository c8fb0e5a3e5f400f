import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { batchMemory } from "./batch-memory.ts";
import { coreRate, coreWithoutEncodingRate, floorRate } from "./core-throughput.ts";
import { duckDbRate } from "./duckdb-reference.ts";
import { handlerBundle } from "./handler-bundle.ts";
import { sampleBatches } from "./sample-batches.ts";
import { stagesBench } from "./stages-throughput.ts";

/**
 * `npm run bench`: one process, one run, the same generated data for every contender.
 * Figures are printed as ratios because this machine is shared and noisy; absolute
 * records/s are kept in bench/results/ for comparing changes.
 */
const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
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
const duck = await duckDbRate(ndjson, dir);
const bundle = await handlerBundle(dir);
const memory = await batchMemory();
const stagesRecords = Number(process.env.BENCH_STAGES_RECORDS ?? RECORDS);
process.stderr.write(`later stages over ${stagesRecords} records (a fresh process)…\n`);
const stages = await stagesBench(stagesRecords);
const stagesRate = stages.stagesRows / ((stages.compactMs + stages.aggregateMs + stages.publishMs) / 1000);

const results: Record<string, number> = {
  records: RECORDS,
  floorRecordsPerSec: Math.round(floor),
  coreRecordsPerSec: Math.round(core.rate),
  duckdbRecordsPerSec: Math.round(duck),
  coreVsFloor: core.rate / floor,
  coreWithoutEncodingRecordsPerSec: Math.round(beforeEncoding),
  coreWithoutEncodingVsFloor: beforeEncoding / floor,
  coreVsDuckDb: core.rate / duck,
  parquetBytes: core.bytes,
  parquetFiles: core.files,
  handlerBundleBytes: bundle.bundleBytes,
  handlerInitMs: bundle.initMs,
  batchPayloadBytes: memory.payloadBytes,
  batchPeakRssBytes: memory.peakRssBytes,
  batchPeakRssGrowthBytes: memory.rssGrowthBytes,
  ...stages,
  stagesRowsPerSec: Math.round(stagesRate),
  stagesVsCore: stagesRate / core.rate,
  publishMsPerMillionRows: (stages.publishMs / stages.stagesRows) * 1_000_000,
};

if (process.env.BENCH_KAFKA === "1") {
  const { benchKafka } = await import("./kafka-throughput.ts");
  Object.assign(results, await benchKafka());
}

const pct = (x: number) => `${x.toFixed(2)}×`;
console.log(`
lakestream bench — ${RECORDS.toLocaleString()} records, batches of ${BATCH.toLocaleString()}
  floor (base64 + JSON.parse)        ${results.floorRecordsPerSec!.toLocaleString()} rec/s   1.00×
  ingest core → Parquet (in memory)  ${results.coreRecordsPerSec!.toLocaleString()} rec/s   ${pct(results.coreVsFloor!)} of floor (target ≥ 0.5×)
    of which before encoding         ${results.coreWithoutEncodingRecordsPerSec!.toLocaleString()} rec/s   ${pct(results.coreWithoutEncodingVsFloor!)} of floor (decode, transform, validate, partition)
  DuckDB JSON → Parquet (1 thread)   ${results.duckdbRecordsPerSec!.toLocaleString()} rec/s   ${pct(duck / floor)} of floor; core = ${pct(results.coreVsDuckDb!)} of DuckDB
  ingest handler bundle              ${(bundle.bundleBytes / 1024).toFixed(0)} KiB, init ${bundle.initMs.toFixed(0)} ms (median of 5 cold imports)
  one ~${(memory.payloadBytes / 2 ** 20).toFixed(1)} MB batch                 peak RSS ${(memory.peakRssBytes / 2 ** 20).toFixed(0)} MiB (+${(memory.rssGrowthBytes / 2 ** 20).toFixed(0)} MiB while planning)
  later stages, ${stages.stagesRows.toLocaleString()} rows in ${stages.stagesPartitions} partitions   compact ${(stages.compactMs / 1000).toFixed(1)} s, aggregate ${(stages.aggregateMs / 1000).toFixed(1)} s, publish ${(stages.publishMs / 1000).toFixed(2)} s, maintain ${(stages.maintainMs / 1000).toFixed(2)} s (summed over partitions)
    compact + aggregate + publish    ${results.stagesRowsPerSec!.toLocaleString()} rows/s   ${pct(results.stagesVsCore!)} of the ingest core (target ≥ 1.0×); peak RSS ${(stages.stagesPeakRssBytes / 2 ** 20).toFixed(0)} MiB
    publish (Iceberg commits)        ${(results.publishMsPerMillionRows! / 1000).toFixed(2)} s per million rows (one atomic snapshot per table)`);
for (const [k, v] of Object.entries(results))
  if (k.startsWith("kafka")) console.log(`  ${k.padEnd(34)} ${v}`);

const out = join(import.meta.dirname, "results");
await mkdir(out, { recursive: true });
await writeFile(
  join(out, `bench-${new Date().toISOString().replace(/[:.]/g, "-")}.json`),
  JSON.stringify(results, null, 2),
);
