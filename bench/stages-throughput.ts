import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { clickstream } from "../shared/pipelines/clickstream.ts";
import { createIngest } from "../shared/runtime/ingest.ts";
import { createAggregateStage } from "../shared/runtime/stages/aggregate.ts";
import { createCompactStage } from "../shared/runtime/stages/compact.ts";
import { createMaintainStage } from "../shared/runtime/stages/maintain.ts";
import { createPlanStage } from "../shared/runtime/stages/plan.ts";
import { createPublishStage } from "../shared/runtime/stages/publish.ts";
import { FsObjectStore } from "../shared/storage/fs-store.ts";
import { sampleBatches } from "./sample-batches.ts";

const run = promisify(execFile);

export interface StagesBench {
  readonly stagesRows: number;
  readonly stagesPartitions: number;
  readonly planMs: number;
  readonly compactMs: number;
  readonly aggregateMs: number;
  /** The Iceberg commits of the run: one snapshot per table. */
  readonly publishMs: number;
  readonly maintainMs: number;
  readonly stagesPeakRssBytes: number;
  /** This thread's CPU time in compact, aggregate and publish (the load does not stretch it). */
  readonly stagesCpuMs: number;
}

/**
 * The later stages over one lake of `records` sample records: one process ingests them into a
 * disk lake, then a fresh one (so peak memory is the stages' own, not the ingest's heap) plans,
 * compacts and aggregates every partition one after another (the work Lambda bills, whatever the
 * Map's concurrency), publishes (the Iceberg commits) and maintains, each timed.
 */
export async function stagesBench(records: number, oneWindow = false): Promise<StagesBench> {
  const dir = await mkdtemp(join(tmpdir(), "lakestream-bench-stages-"));
  try {
    const step = (name: string) =>
      run(
        process.execPath,
        ["--expose-gc", import.meta.filename, name, dir, String(records), String(oneWindow)],
        {
          maxBuffer: 1 << 20,
        },
      );
    await step("ingest");
    return JSON.parse((await step("stages")).stdout);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === import.meta.filename) {
  const [step, dir, count, oneWindow] = process.argv.slice(2);
  const records = Number(count ?? 100_000);
  const store = new FsObjectStore(dir!, { durable: false });
  const pipeline = clickstream;
  if (step === "ingest") {
    const ingest = createIngest({ pipeline, store });
    // One window: every record in one hour, the shape of a busy topic's partition.
    const spacingMs = oneWindow === "true" ? 3_600_000 / records : 1000;
    const batches = sampleBatches(Math.ceil(records / 10_000), Math.min(records, 10_000), spacingMs);
    for (const event of batches.events) {
      await ingest(event);
    }
  } else {
    let peak = process.memoryUsage().rss;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const deps = { pipeline, store };
    const ms = (t0: number) => performance.now() - t0;
    let t0 = performance.now();
    const plan = await createPlanStage(deps)({
      pipeline: pipeline.name,
      now: "2027-01-01T00:00:00Z",
      runId: "bench",
    });
    const planMs = ms(t0);
    const compact = createCompactStage(deps);
    const aggregate = createAggregateStage(deps);
    let compactMs = 0;
    let aggregateMs = 0;
    let rows = 0;
    const results = [];
    const cpu0 = process.threadCpuUsage();
    for (const partition of plan.partitions) {
      const item = { pipeline: pipeline.name, runId: "bench", partition };
      t0 = performance.now();
      const c = await compact(item);
      compactMs += ms(t0);
      t0 = performance.now();
      const a = await aggregate(item);
      aggregateMs += ms(t0);
      rows += c.rowsOut;
      results.push({ ...item, compact: c, aggregate: a });
    }
    t0 = performance.now();
    await createPublishStage(deps)({
      pipeline: pipeline.name,
      runId: "bench",
      now: plan.now,
      planKey: plan.planKey,
      results,
    });
    const publishMs = ms(t0);
    const cpu = process.threadCpuUsage(cpu0);
    t0 = performance.now();
    await createMaintainStage(deps)({ pipeline: pipeline.name });
    const maintainMs = ms(t0);
    clearInterval(timer);
    const out: StagesBench = {
      stagesRows: rows,
      stagesPartitions: plan.partitions.length,
      planMs,
      compactMs,
      aggregateMs,
      publishMs,
      maintainMs,
      // The kernel's high-water mark: a sampling timer misses peaks inside synchronous work.
      stagesPeakRssBytes: Math.max(peak, process.resourceUsage().maxRSS * 1024),
      stagesCpuMs: (cpu.user + cpu.system) / 1000,
    };
    process.stdout.write(JSON.stringify(out));
  }
}
