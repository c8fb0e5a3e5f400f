import type { IcebergSchema, PartitionSpec } from "../iceberg/types.ts";
import type { Pipeline } from "../pipeline/types.ts";
import { dedupeContext, dedupeContextOfRange } from "./key-dedupe.ts";
import { inputDigest } from "./manifest.ts";
import {
  type Granularity,
  inputPartitionsOfOwner,
  ownersOfDataPartition,
  partitionBounds,
  timePartitionOfPath,
  type Window,
  type WindowSpec,
  windowSpec,
  windowsEndingIn,
} from "./windows.ts";

/** A committed raw file, as the ingest's commit records list it. */
export interface RawFileRef {
  readonly key: string;
  /** Full partition path (time and value columns). */
  readonly partition: string;
  readonly rows: number;
  /**
   * The watermark of the batch that wrote the file (epoch millis; see watermarks.ts), from the
   * commit records; absent when no earlier batch of its topic-partition is known (or the file
   * comes from a dataset prefix, which has no commits): then none of its rows is late.
   */
  readonly watermark?: number;
}

export interface PlanRequest {
  /** The run's logical time: the Scheduler's time or the local runner's clock, never read here. */
  readonly now: number;
  readonly allowedLatenessMs: number;
  /** Backfill: only partitions starting in [start, end). */
  readonly range?: Window;
  /** Recompute even what is up to date (backfill); unchanged input still yields unchanged output. */
  readonly force: boolean;
}

/**
 * Digests of what is published now: from the `_SUCCESS` manifests (Hive tables, full digests)
 * or from the live data files' names (Iceberg tables, the first 16 hex digits). Compared by
 * `sameDigest`, which looks at those 16 digits only.
 */
export interface PublishedDigests {
  /** Compacted table: full partition path → input digest. */
  readonly compacted: ReadonlyMap<string, string>;
  /** Gold tables: `${table}/${timePath}` → input digest. */
  readonly aggregate: ReadonlyMap<string, string>;
}

/** What one Map iteration (one time partition) has to do. */
export interface PartitionTask {
  /** Full partition path → digest of its raw files; empty when the compacted table is up to date. */
  readonly compact: Readonly<Record<string, string>>;
  /** Gold table → digest and the time partitions it reads: its windows' and, with dedupe, those within reach. */
  readonly aggregate: Readonly<
    Record<string, { readonly digest: string; readonly inputs: readonly string[] }>
  >;
}

export interface PlanStats {
  /** Commit records read (0 for a backfill from a dataset prefix). */
  readonly commits: number;
  readonly rawFiles: number;
  readonly dataPartitions: number;
  readonly candidates: number;
  readonly open: number;
  readonly upToDate: number;
  readonly scheduled: number;
}

export interface PlanBody {
  readonly scheduled: string[];
  readonly tasks: Record<string, PartitionTask>;
  /** Raw files of every time partition a task reads. */
  readonly files: Record<string, RawFileRef[]>;
  readonly stats: PlanStats;
}

/**
 * Groups committed raw files by time partition, dropping repeats (a retried or bisected batch
 * lists a file again in another commit record).
 */
export function filesByTimePartition(
  files: Iterable<RawFileRef>,
  granularity: Granularity,
): Map<string, RawFileRef[]> {
  const seen = new Set<string>();
  const out = new Map<string, RawFileRef[]>();
  for (const f of files) {
    if (seen.has(f.key)) continue;
    seen.add(f.key);
    const tp = timePartitionOfPath(f.partition, granularity);
    const list = out.get(tp) ?? [];
    list.push(f);
    out.set(tp, list);
  }
  for (const list of out.values()) list.sort((a, b) => (a.key < b.key ? -1 : 1));
  return out;
}

/**
 * The time partitions a run may touch: those holding data and those owning a window over data,
 * closed (end + allowed lateness ≤ now) and inside the backfill range, if any.
 */
export function planCandidates(
  pipeline: Pipeline,
  byPartition: ReadonlyMap<string, readonly RawFileRef[]>,
  request: PlanRequest,
): { candidates: string[]; open: number } {
  const g = pipeline.partitioning.granularity;
  const all = new Set(byPartition.keys());
  for (const agg of pipeline.aggregations?.tables ?? []) {
    const spec = windowSpec(agg.window);
    for (const tp of byPartition.keys()) for (const o of ownersOfDataPartition(tp, g, spec)) all.add(o);
  }
  let open = 0;
  const candidates = [...all].sort().filter((tp) => {
    const { start, end } = partitionBounds(tp, g);
    if (request.range && (start < request.range.start || start >= request.range.end)) return false;
    if (end + request.allowedLatenessMs > request.now) {
      open++;
      return false;
    }
    return true;
  });
  return { candidates, open };
}

/** Decides, per candidate, what is stale against the published manifests. Pure and deterministic. */
export function planRun(
  pipeline: Pipeline,
  byPartition: ReadonlyMap<string, readonly RawFileRef[]>,
  candidates: readonly string[],
  published: PublishedDigests,
  request: PlanRequest,
): Omit<PlanBody, "stats"> & { upToDate: number } {
  const g = pipeline.partitioning.granularity;
  const tasks: Record<string, PartitionTask> = {};
  const files: Record<string, RawFileRef[]> = {};
  // Dedupe by key decides a row against rows up to `withinMinutes` away, in other partitions
  // too: those partitions are inputs (read, and in the digest), and so is the setting itself.
  const within = pipeline.dedupe ? pipeline.dedupe.withinMinutes * 60_000 : 0;
  const setting = pipeline.dedupe ? [`dedupe:${pipeline.dedupe.key.join(",")}@${within}`] : [];
  const withData = (tps: readonly string[]) => tps.filter((p) => byPartition.has(p));
  const keysOf = (tps: readonly string[], watermarks: boolean) =>
    tps.flatMap((p) => byPartition.get(p)!.map((f) => (watermarks ? watermarkedKey(f) : f.key)));
  let upToDate = 0;
  for (const tp of candidates) {
    const compact: Record<string, string> = {};
    const own = byPartition.get(tp) ?? [];
    const around = pipeline.dedupe ? withData(dedupeContext(tp, g, within)) : [];
    const context = pipeline.dedupe ? [...keysOf(around, false), ...setting] : [];
    for (const [path, refs] of Object.entries(Object.groupBy(own, (f) => f.partition))) {
      const digest = inputDigest([...refs!.map((f) => f.key), ...context]);
      if (request.force || !sameDigest(published.compacted.get(path), digest)) compact[path] = digest;
    }
    const aggregate: Record<string, { digest: string; inputs: string[] }> = {};
    for (const agg of pipeline.aggregations?.tables ?? []) {
      const spec = windowSpec(agg.window);
      if (withData(inputPartitionsOfOwner(tp, g, spec)).length === 0) continue;
      const inputs = withData(
        pipeline.dedupe
          ? dedupeContextOfRange(...windowSpan(tp, g, spec), g, within)
          : inputPartitionsOfOwner(tp, g, spec),
      );
      // Watermarks decide which rows count: a changed one (another lateness) is another input.
      const digest = inputDigest([...keysOf(inputs, true), ...setting]);
      if (request.force || !sameDigest(published.aggregate.get(`${agg.table}/${tp}`), digest)) {
        aggregate[agg.table] = { digest, inputs };
      }
    }
    if (Object.keys(compact).length === 0 && Object.keys(aggregate).length === 0) {
      upToDate++;
      continue;
    }
    tasks[tp] = { compact, aggregate };
    const reads = new Set([
      tp,
      ...(Object.keys(compact).length > 0 ? around : []),
      ...Object.values(aggregate).flatMap((a) => a.inputs),
    ]);
    for (const p of reads) if (byPartition.has(p)) files[p] = [...byPartition.get(p)!];
  }
  return { scheduled: Object.keys(tasks).sort(), tasks, files, upToDate };
}

/** 64 bits of a digest identify a published version; Iceberg file names carry no more. */
export function sameDigest(published: string | undefined, digest: string): boolean {
  return published !== undefined && published.slice(0, 16) === digest.slice(0, 16);
}

/** Where an Iceberg table of the run lives and the schema and spec its data files are written with. */
export interface IcebergTableRef {
  readonly location: string;
  readonly schema: IcebergSchema;
  readonly spec: PartitionSpec;
}

/** [first window start, owner end): the event times the windows owned by `owner` count. */
function windowSpan(owner: string, g: Granularity, spec: WindowSpec): [number, number] {
  const { start, end } = partitionBounds(owner, g);
  return [Math.min(start, ...windowsEndingIn(start, end, spec).map((w) => w.start)), end];
}

/** A file key with its watermark, so the digest changes when the watermark does. */
function watermarkedKey(f: RawFileRef): string {
  return f.watermark === undefined ? f.key : `${f.key}@${f.watermark}`;
}

/** The plan a run writes to the lake and every later stage of the run reads. */
export interface PlanDocument extends PlanBody {
  readonly format: "lakestream-plan/1";
  readonly pipeline: string;
  readonly runId: string;
  readonly trigger: string;
  /** The run's logical time (ISO). */
  readonly now: string;
  readonly allowedLatenessMinutes: number;
  readonly force: boolean;
  /** Where raw files came from: commit records, or a Parquet dataset prefix (backfill). */
  readonly source: "commits" | { readonly prefix: string };
  /** The pipeline's Iceberg tables, pinned for the whole run (absent for Hive-layout tables). */
  readonly iceberg?: Readonly<Record<string, IcebergTableRef>>;
  /**
   * The digests published when the run was planned, by task key (raw partition path, or
   * `<gold table>/<time partition>`): publish replaces a version only if it is still that one.
   */
  readonly base?: Readonly<Record<string, string>>;
}
