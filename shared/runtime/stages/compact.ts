import { eventsTableColumns } from "../../core/iceberg/lakestream-tables.ts";
import { sourcePath } from "../../core/iceberg/partition.ts";
import { offsetSpans } from "../../core/stages/dedupe.ts";
import { compileKeyDedupe } from "../../core/stages/key-dedupe.ts";
import { type Manifest, manifestKey, outputFileCount } from "../../core/stages/manifest.ts";
import type { PlanDocument } from "../../core/stages/plan.ts";
import { type CompactOutput, parseStageInput, partitionItemSchema } from "../../core/stages/stage-io.ts";
import { fileSchema } from "../../core/table-layout.ts";
import { type KeyDedupeContext, loadKeyDedupeContext } from "./dedupe-context.ts";
import { loadPartitionRows } from "./raw-rows.ts";
import { readJson, readPlan, type StageDeps, startTiming } from "./stage-deps.ts";
import { publishPartition } from "./write-published.ts";
import { planStreamedVersion, type StreamedVersion, writeStreamedVersion } from "./write-streamed-version.ts";

/**
 * The compact stage, for one time partition of a run: merges each stale partition path's
 * committed raw files into ceil(size / target) files, deduped on (topic, partition, offset) and,
 * when the pipeline says so, on its business key. Iceberg tables: the files are staged for
 * publish to commit. Hive tables: they are published with a manifest at once. Re-running it on
 * the same input writes nothing new.
 */
export function createCompactStage(deps: StageDeps): (input: unknown) => Promise<CompactOutput> {
  const { pipeline, store } = deps;
  const { table } = pipeline.sink;
  const iceberg = pipeline.sink.tableFormat === "iceberg";
  const schema = iceberg ? eventsTableColumns(pipeline) : fileSchema(pipeline);
  const targetBytes = pipeline.sink.targetFileSizeMiB * 1024 * 1024;
  const keyDedupe = compileKeyDedupe(pipeline);

  return async (input) => {
    const done = startTiming();
    const item = parseStageInput("compact", partitionItemSchema, input);
    const plan = await readPlan(store, pipeline, item.runId);
    const task = plan.tasks[item.partition];
    const totals = {
      filesIn: 0,
      bytesIn: 0,
      rowsIn: 0,
      duplicates: 0,
      keyDuplicates: 0,
      rowsOut: 0,
      filesOut: 0,
      bytesOut: 0,
    };
    let context: Promise<KeyDedupeContext> | undefined;
    let unchanged = 0;
    const paths = Object.entries(task?.compact ?? {});
    // Iceberg: every path's rows are decided on light rows first (lineage, keys, the partition
    // spec's columns), then the light rows are let go and each file written from whole rows
    // read again file by file (write-streamed-version.ts). Hive: a path's rows are held whole.
    const light = iceberg ? lightColumns(plan, table, keyDedupe?.columns ?? []) : undefined;
    const planned: StreamedVersion[] = [];
    const count = (outcome: { manifest: { rows: number; files: readonly unknown[] }; bytes: number }) => {
      totals.rowsOut += outcome.manifest.rows;
      totals.filesOut += outcome.manifest.files.length;
      totals.bytesOut += outcome.bytes;
    };
    for (const [path, digest] of paths) {
      if (!iceberg) {
        const current = await readJson<Manifest>(store, manifestKey(table, path));
        if (!plan.force && current?.inputDigest === digest) {
          unchanged++;
          continue;
        }
      }
      const refs = (plan.files[item.partition] ?? []).filter((f) => f.partition === path);
      // Dedupe by key reads the paths around this one, once per time partition.
      if (keyDedupe) context ??= loadKeyDedupeContext(deps, plan, item.partition, keyDedupe, light);
      const around = await context;
      const loaded = around?.loaded.get(path) ?? (await loadPartitionRows(deps, refs, light, iceberg));
      const rows = around ? loaded.rows.filter((r) => !around.dropped.has(r)) : loaded.rows;
      const version = {
        kind: "compacted" as const,
        table,
        schema,
        rows,
        inputs: { files: loaded.filesIn, rows: loaded.rowsIn, bytes: loaded.bytesIn },
        offsets: offsetSpans(rows),
      };
      const files = outputFileCount(
        (loaded.estimatedBytes * rows.length) / (loaded.rows.length || 1),
        targetBytes,
      );
      totals.filesIn += loaded.filesIn;
      totals.bytesIn += loaded.bytesIn;
      totals.rowsIn += loaded.rowsIn;
      totals.duplicates += loaded.duplicates;
      totals.keyDuplicates += loaded.rows.length - rows.length;
      if (iceberg) {
        const base = plan.base?.[path] ?? null;
        planned.push(planStreamedVersion(plan, { ...version, owner: path, digest, base, fileCount: files }));
        continue;
      }
      const outcome = await publishPartition(deps, {
        ...version,
        partition: path,
        files,
        inputDigest: digest,
        runId: plan.runId,
        createdAt: plan.now,
      });
      if (outcome.unchanged) unchanged++;
      count(outcome);
    }
    context = undefined;
    for (const version of planned) {
      const staged = await writeStreamedVersion(deps, plan, version);
      count({ manifest: { rows: staged.rows, files: staged.files }, bytes: staged.bytes });
    }
    return { partition: item.partition, paths: paths.length, ...totals, unchanged, timing: done() };
  };
}

/**
 * What compaction decides an Iceberg version on: key dedupe's columns and the partition spec's
 * source columns (lineage is always read). The rows written are read again whole.
 */
function lightColumns(plan: PlanDocument, table: string, keys: readonly string[]): string[] {
  const ref = plan.iceberg?.[table];
  const sources = (ref?.spec.fields ?? []).map((f) => sourcePath(ref!.schema, f).split(".")[0]!);
  return [...new Set([...keys, ...sources])];
}
