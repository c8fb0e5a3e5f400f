import type { PlanDocument, PlanStats } from "../../core/stages/plan.ts";
import type { CompactOutput, PartitionResult, StageTiming } from "../../core/stages/stage-io.ts";
import type { TablePublish } from "./publish-iceberg.ts";

/** Per-stage totals of one run: what operators (and the HTML report) look at first. */
export interface RunRecord {
  readonly format: "lakestream-run/1";
  readonly pipeline: string;
  readonly runId: string;
  readonly trigger: string;
  readonly now: string;
  readonly stages: {
    readonly plan: PlanStats & { readonly timing?: StageTiming };
    /** The compact outputs of every partition, summed. */
    readonly compact: StageTotals & Omit<CompactOutput, "partition" | "paths" | "timing">;
    readonly aggregate: StageTotals & {
      readonly tables: Record<
        string,
        { windows: number; rows: number; late: number; files: number; bytes: number }
      >;
    };
    readonly publish: PublishTotals;
  };
  readonly partitions: readonly PartitionResult[];
}

interface PublishTotals {
  readonly writtenBack: Readonly<Record<string, number>>;
  /** The snapshot each Iceberg table got (none for Hive-layout tables). */
  readonly tables: readonly TablePublish[];
  readonly timing: StageTiming;
}

/** Stage time summed over partitions (work done) and the slowest partition (what bounds the Map). */
interface StageTotals {
  readonly partitions: number;
  readonly durationMs: number;
  readonly maxMs: number;
}

export function runRecord(
  plan: PlanDocument,
  state: { readonly timing?: unknown },
  results: readonly PartitionResult[],
  publish: PublishTotals,
): RunRecord {
  const compacts = results.flatMap((r) => (r.compact ? [r.compact] : []));
  const aggregates = results.flatMap((r) => (r.aggregate ? [r.aggregate] : []));
  const sum = <T>(items: readonly T[], f: (t: T) => number) => items.reduce((n, t) => n + f(t), 0);
  const tables: RunRecord["stages"]["aggregate"]["tables"] = {};
  for (const t of aggregates.flatMap((a) => a.tables)) {
    tables[t.table] ??= { windows: 0, rows: 0, late: 0, files: 0, bytes: 0 };
    const acc = tables[t.table]!;
    acc.windows += t.windows;
    acc.rows += t.rows;
    acc.late += t.late;
    acc.files += t.files;
    acc.bytes += t.bytes;
  }
  return {
    format: "lakestream-run/1",
    pipeline: plan.pipeline,
    runId: plan.runId,
    trigger: plan.trigger,
    now: plan.now,
    stages: {
      plan: { ...plan.stats, ...(isTiming(state.timing) ? { timing: state.timing } : {}) },
      compact: {
        partitions: compacts.length,
        durationMs: sum(compacts, (c) => c.timing.durationMs),
        maxMs: Math.max(0, ...compacts.map((c) => c.timing.durationMs)),
        filesIn: sum(compacts, (c) => c.filesIn),
        bytesIn: sum(compacts, (c) => c.bytesIn),
        rowsIn: sum(compacts, (c) => c.rowsIn),
        duplicates: sum(compacts, (c) => c.duplicates),
        keyDuplicates: sum(compacts, (c) => c.keyDuplicates),
        rowsOut: sum(compacts, (c) => c.rowsOut),
        filesOut: sum(compacts, (c) => c.filesOut),
        bytesOut: sum(compacts, (c) => c.bytesOut),
        unchanged: sum(compacts, (c) => c.unchanged),
      },
      aggregate: {
        partitions: aggregates.length,
        durationMs: sum(aggregates, (a) => a.timing.durationMs),
        maxMs: Math.max(0, ...aggregates.map((a) => a.timing.durationMs)),
        tables,
      },
      publish,
    },
    partitions: results,
  };
}

function isTiming(t: unknown): t is StageTiming {
  return typeof t === "object" && t !== null && typeof (t as StageTiming).durationMs === "number";
}
