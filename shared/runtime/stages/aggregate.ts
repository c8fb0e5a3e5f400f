import type { Pipeline } from "../../core/pipeline/types.ts";
import { type CompiledAggregation, compileAggregation } from "../../core/stages/aggregate.ts";
import { type LineageRow, offsetSpans } from "../../core/stages/dedupe.ts";
import { compileKeyDedupe, type KeyDedupe } from "../../core/stages/key-dedupe.ts";
import { lateRecordLine, lateRecordsKey } from "../../core/stages/late-records.ts";
import { type Manifest, manifestKey } from "../../core/stages/manifest.ts";
import type { PlanDocument } from "../../core/stages/plan.ts";
import {
  type AggregateOutput,
  type AggregateTableOutput,
  parseStageInput,
  partitionItemSchema,
} from "../../core/stages/stage-io.ts";
import { MINUTE_MS, partitionBounds } from "../../core/stages/windows.ts";
import { type LoadedPartition, loadPartitionRows } from "./raw-rows.ts";
import { readJson, readPlan, type StageDeps, startTiming } from "./stage-deps.ts";
import { publishPartition } from "./write-published.ts";
import { writeVersion } from "./write-version.ts";

/**
 * The aggregate stage, for one time partition of a run: computes each gold table's windows
 * that end in the partition, from the deduped raw rows of every partition those windows span,
 * and publishes them (content-addressed files, manifest). Rows that arrived after their window
 * closed go to quarantine instead. Re-running on the same input writes nothing.
 */
export function createAggregateStage(deps: StageDeps): (input: unknown) => Promise<AggregateOutput> {
  const { pipeline, store } = deps;
  const compiled = new Map(
    (pipeline.aggregations?.tables ?? []).map((a) => [a.table, compileAggregation(pipeline, a)]),
  );
  const keyDedupe = compileKeyDedupe(pipeline);
  const columns = aggregationColumns(pipeline, [...compiled.values()], keyDedupe);

  return async (input) => {
    const done = startTiming();
    const item = parseStageInput("aggregate", partitionItemSchema, input);
    const plan = await readPlan(store, pipeline, item.runId);
    const tables: AggregateTableOutput[] = [];
    // Gold tables of one partition read the same raw partitions: load each path once (the
    // columns every gold table reads; whole rows only when one needs them, see below).
    const cache = { columns, projected: new Map(), whole: new Map() };
    for (const [table, { digest, inputs }] of Object.entries(plan.tasks[item.partition]?.aggregate ?? {})) {
      const agg = compiled.get(table);
      if (!agg) continue; // Declared when the plan ran, removed since: nothing to publish.
      if (pipeline.sink.tableFormat === "hive") {
        const current = await readJson<Manifest>(store, manifestKey(table, item.partition));
        if (!plan.force && current?.inputDigest === digest) {
          tables.push(summary(table, current, true));
          continue;
        }
      }
      tables.push(
        await aggregatePartition(deps, plan, agg, item.partition, digest, inputs, cache, keyDedupe),
      );
    }
    return { partition: item.partition, tables, timing: done() };
  };
}

async function aggregatePartition(
  deps: StageDeps,
  plan: PlanDocument,
  agg: CompiledAggregation,
  partition: string,
  digest: string,
  inputs: readonly string[],
  cache: RowCache,
  keyDedupe?: KeyDedupe,
): Promise<AggregateTableOutput> {
  const { pipeline, store } = deps;
  const table = agg.config.table;
  const aggregate = async (whole: boolean) => {
    const { rows, stats } = await gather(deps, plan, inputs, cache, whole);
    let tie = false;
    // Gold tables count each business key once, as the published table holds it once.
    const dropped = keyDedupe?.duplicates(rows, () => {
      tie = true;
    });
    const kept = dropped && dropped.size > 0 ? rows.filter((r) => !dropped.has(r)) : rows;
    const result = agg.compute(kept, partitionBounds(partition, pipeline.partitioning.granularity));
    // A key tie is ordered on whole rows, and a late row is quarantined whole: read them again.
    return { result, stats, redo: !whole && (tie || result.late.length > 0) };
  };
  let computed = await aggregate(false);
  if (computed.redo) computed = await aggregate(true);
  const { result, stats } = computed;
  const latenessMs = plan.allowedLatenessMinutes * MINUTE_MS;

  const lateKey = lateRecordsKey(pipeline, table, partition);
  if (result.late.length > 0) {
    const lines = result.late.map((l) => JSON.stringify(lateRecordLine(pipeline, table, l, latenessMs)));
    await store.put(lateKey, new TextEncoder().encode(`${lines.join("\n")}\n`), {
      contentType: "application/x-ndjson",
    });
  } else if ((await store.get(lateKey)) !== undefined) {
    // An earlier version had late records, this one has none: empty the file. Only the maintain
    // stage deletes, so a role that writes gold tables never needs the right to.
    await store.put(lateKey, new Uint8Array(0), { contentType: "application/x-ndjson" });
  }

  const counted = result.counted.sort(
    (a, b) =>
      (a._topic < b._topic ? -1 : a._topic > b._topic ? 1 : 0) ||
      a._partition - b._partition ||
      Number(a._offset - b._offset),
  );
  const version = {
    kind: "aggregate" as const,
    table,
    schema: agg.schema,
    rows: result.rows,
    inputs: { files: stats.files, rows: stats.rows, bytes: stats.bytes },
    offsets: offsetSpans(counted),
    windows: {
      sizeMinutes: agg.spec.sizeMs / MINUTE_MS,
      slideMinutes: agg.spec.slideMs / MINUTE_MS,
      count: result.windows,
    },
    late: { records: result.late.length, key: result.late.length > 0 ? lateKey : null },
  };
  if (pipeline.sink.tableFormat === "iceberg") {
    const staged = await writeVersion(deps, plan, {
      ...version,
      owner: partition,
      digest,
      base: plan.base?.[`${table}/${partition}`] ?? null,
      fileCount: 1,
    });
    return {
      table,
      windows: result.windows,
      rows: staged.rows,
      late: result.late.length,
      files: staged.files.length,
      bytes: staged.bytes,
      unchanged: false,
    };
  }
  const outcome = await publishPartition(deps, {
    ...version,
    partition,
    files: 1,
    inputDigest: digest,
    runId: plan.runId,
    createdAt: plan.now,
  });
  return summary(table, outcome.manifest, outcome.unchanged);
}

function summary(table: string, m: Manifest, unchanged: boolean): AggregateTableOutput {
  return {
    table,
    windows: m.windows?.count ?? 0,
    rows: m.rows,
    late: m.late?.records ?? 0,
    files: m.files.length,
    bytes: m.files.reduce((n, f) => n + f.bytes, 0),
    unchanged,
  };
}

/** Raw partition paths loaded by one aggregate invocation, with the columns its gold tables read or whole. */
interface RowCache {
  readonly columns: readonly string[];
  readonly projected: Map<string, Promise<LoadedPartition>>;
  readonly whole: Map<string, Promise<LoadedPartition>>;
}

/** The deduped rows of every raw partition path of `inputs` (time partitions), each path read once. */
async function gather(
  deps: StageDeps,
  plan: PlanDocument,
  inputs: readonly string[],
  cache: RowCache,
  whole: boolean,
): Promise<{ rows: LineageRow[]; stats: { files: number; rows: number; bytes: number } }> {
  const loads = whole ? cache.whole : cache.projected;
  const rows: LineageRow[] = [];
  const stats = { files: 0, rows: 0, bytes: 0 };
  for (const tp of inputs) {
    const refs = plan.files[tp] ?? [];
    for (const path of [...new Set(refs.map((r) => r.partition))]) {
      let pending = loads.get(path);
      if (!pending) {
        const files = refs.filter((r) => r.partition === path);
        pending = loadPartitionRows(deps, files, whole ? undefined : cache.columns);
        loads.set(path, pending);
      }
      const loaded = await pending;
      for (const r of loaded.rows) rows.push(r);
      stats.files += loaded.filesIn;
      stats.rows += loaded.rowsIn;
      stats.bytes += loaded.bytesIn;
    }
  }
  return { rows, stats };
}

/**
 * The top-level columns the gold tables read (group keys, measured columns, event time) and
 * those key dedupe reads: an aggregate decodes these, not every column of the raw files.
 */
function aggregationColumns(
  pipeline: Pipeline,
  aggregations: readonly CompiledAggregation[],
  keyDedupe: KeyDedupe | undefined,
): string[] {
  const roots = new Set<string>(keyDedupe?.columns ?? []);
  const { eventTime } = pipeline.partitioning;
  if (eventTime !== "kafka-timestamp") roots.add(eventTime.field);
  for (const { config } of aggregations) {
    for (const path of config.groupBy) roots.add(path.split(".")[0]!);
    for (const m of Object.values(config.measures)) if (m.column) roots.add(m.column.split(".")[0]!);
  }
  return [...roots];
}
