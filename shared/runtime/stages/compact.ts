import { eventsTableColumns } from "../../core/iceberg/lakestream-tables.ts";
import { offsetSpans } from "../../core/stages/dedupe.ts";
import { compileKeyDedupe } from "../../core/stages/key-dedupe.ts";
import { type Manifest, manifestKey, outputFileCount } from "../../core/stages/manifest.ts";
import { type CompactOutput, parseStageInput, partitionItemSchema } from "../../core/stages/stage-io.ts";
import { fileSchema } from "../../core/table-layout.ts";
import { type KeyDedupeContext, loadKeyDedupeContext } from "./dedupe-context.ts";
import { loadPartitionRows } from "./raw-rows.ts";
import { readJson, readPlan, type StageDeps, startTiming } from "./stage-deps.ts";
import { publishPartition } from "./write-published.ts";
import { writeVersion } from "./write-version.ts";

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
    // One path at a time: a path's rows are in memory while it is rewritten.
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
      if (keyDedupe) context ??= loadKeyDedupeContext(deps, plan, item.partition, keyDedupe);
      const around = await context;
      const loaded = around?.loaded.get(path) ?? (await loadPartitionRows(deps, refs));
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
      const outcome = iceberg
        ? await stage(
            writeVersion(deps, plan, {
              ...version,
              owner: path,
              digest,
              base: plan.base?.[path] ?? null,
              fileCount: files,
            }),
          )
        : await publishPartition(deps, {
            ...version,
            partition: path,
            files,
            inputDigest: digest,
            runId: plan.runId,
            createdAt: plan.now,
          });
      if (outcome.unchanged) unchanged++;
      totals.filesIn += loaded.filesIn;
      totals.bytesIn += loaded.bytesIn;
      totals.rowsIn += loaded.rowsIn;
      totals.duplicates += loaded.duplicates;
      totals.keyDuplicates += loaded.rows.length - rows.length;
      totals.rowsOut += outcome.manifest.rows;
      totals.filesOut += outcome.manifest.files.length;
      totals.bytesOut += outcome.bytes;
    }
    return { partition: item.partition, paths: paths.length, ...totals, unchanged, timing: done() };
  };
}

/** A staged version in the shape of a Hive publish outcome, for the stage's totals. */
async function stage(pending: ReturnType<typeof writeVersion>) {
  const v = await pending;
  return { unchanged: false, bytes: v.bytes, manifest: { rows: v.rows, files: v.files } };
}
