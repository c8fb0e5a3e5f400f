import { ConfigError } from "../shared/core/errors.ts";
import type { Pipeline } from "../shared/core/pipeline/types.ts";
import { publishedTableName } from "./glue-published-tables.ts";

/**
 * The key prefixes of the lake bucket that IAM grants are scoped to, in one place. The runtime
 * builds its keys in shared/core (keys.ts, stages/stage-io.ts, stages/manifest.ts, stages/
 * late-records.ts); test/infra/lake-layout.test.ts checks that these prefixes cover every key
 * the runtime writes, so a layout change there fails a test here instead of failing in AWS
 * with AccessDenied.
 *
 * Published tables are Apache Iceberg tables under `warehouse/<namespace>/<table>/` (data files
 * under `data/`, metadata under `metadata/`); the Hive layout under `published/<table>/` is kept
 * as an option. Prefixes end with `/`; grants append `*`.
 */
export const LAKE_PREFIX = {
  /** Raw landing (Hive layout `dt=…/hour=…`), the write-ahead log: `<sink table>/`. */
  raw: (table: string) => `${table}/`,
  /** Bad records of a table (and late records of a gold table under `late/`). */
  quarantine: (prefix: string, table: string) => `${prefix}/${table}/`,
  /** One commit record per ingested batch. */
  commits: (table: string) => `_lakestream/commits/${table}/`,
  /** The file source's plans and done markers, per object version. */
  files: (table: string) => `_lakestream/files/${table}/`,
  /** A run's plan, staged versions and run record. */
  runs: (pipeline: string) => `_lakestream/runs/${pipeline}/`,
  /** The state machine's RecordFailure documents. */
  failures: (pipeline: string) => `_lakestream/failures/${pipeline}/`,
  /** Every Iceberg table of the lake. */
  warehouse: "warehouse/",
  /** One Iceberg table's data files. */
  icebergData: (namespace: string, table: string) => `warehouse/${namespace}/${table}/data/`,
  /** One Iceberg table's metadata (metadata.json, manifest lists, manifests). */
  icebergMetadata: (namespace: string, table: string) => `warehouse/${namespace}/${table}/metadata/`,
  /** A Hive-layout published table (the option kept next to Iceberg). */
  hivePublished: (table: string) => `published/${table}/`,
  /** Where Lambda's S3 on-failure destination writes batches it gave up on; chosen by Lambda. */
  failedBatches: "aws/lambda/",
} as const;

/** First path segments the lake reserves: a raw table or quarantine prefix may not start with them. */
export const RESERVED_TOP_LEVEL = ["_lakestream", "warehouse", "published", "aws"] as const;

/** Read, write and delete rights of one role, as key prefixes of the lake bucket. */
export interface LakeAccess {
  readonly read: readonly string[];
  readonly write: readonly string[];
  readonly delete: readonly string[];
}

/** A function stage of a pipeline; `maintain` (merge manifests, expire snapshots, remove orphans) deletes. */
export type LakeRole = "ingest" | "ingest-files" | "plan" | "compact" | "aggregate" | "publish" | "maintain";

export interface LayoutOptions {
  /** Iceberg namespace of the pipeline's published tables (the Glue database). */
  readonly namespace: string;
  /** Grant the Hive-layout `published/<table>/` prefixes too (the option kept next to Iceberg). */
  readonly hivePublished: boolean;
}

/**
 * The published tables of a pipeline, by the stage that writes them: compact writes the
 * compacted table (the raw table deduplicated: the Iceberg table named like the sink, or in the
 * Hive layout the Glue table `<table>_published`), aggregate the gold tables.
 */
export function publishedTables(pipeline: Pipeline): { compact: string[]; aggregate: string[] } {
  return {
    compact: [pipeline.sink.tableFormat === "iceberg" ? pipeline.sink.table : publishedTableName(pipeline)],
    aggregate: (pipeline.aggregations?.tables ?? []).map((t) => t.table),
  };
}

/** The Hive-layout folder of a published table: the compacted table keeps the raw table's name there. */
function hiveTable(pipeline: Pipeline, table: string): string {
  return table === publishedTableName(pipeline) ? pipeline.sink.table : table;
}

/**
 * What each stage may do in the lake (invariant 7: each function touches only its prefixes,
 * nothing but maintenance deletes):
 * - ingest runs user code: it writes raw, quarantine and commit records of its table, and reads
 *   them back (the replay check, and the byte comparison when a key already exists);
 * - ingest-files is the ingest of a file source: the same, plus its plans and done markers;
 * - plan reads commit records, raw data and table metadata, writes its run documents, and
 *   creates the Iceberg tables or evolves their schemas (metadata only);
 * - compact and aggregate read raw data and run documents, write data files of their own tables
 *   and staged versions in the run documents; aggregate also writes late-record quarantine;
 * - publish reads run documents and the warehouse, writes Iceberg metadata and the run record;
 * - maintain is the only one that deletes, and only under `warehouse/`.
 */
export function lakeAccess(pipeline: Pipeline, role: LakeRole, options: LayoutOptions): LakeAccess {
  assertOwnPrefixes(pipeline);
  const { table } = pipeline.sink;
  const ns = options.namespace;
  const q = pipeline.quarantine.prefix;
  const tables = publishedTables(pipeline);
  const all = [...tables.compact, ...tables.aggregate];
  const hive = (names: readonly string[]) =>
    options.hivePublished ? names.map((t) => LAKE_PREFIX.hivePublished(hiveTable(pipeline, t))) : [];
  const runs = LAKE_PREFIX.runs(pipeline.name);
  const iceberg = (names: readonly string[], prefix: (ns: string, t: string) => string) =>
    pipeline.sink.tableFormat === "iceberg" ? names.map((t) => prefix(ns, t)) : [];
  switch (role) {
    case "ingest":
    case "ingest-files": {
      const own = [
        LAKE_PREFIX.raw(table),
        LAKE_PREFIX.quarantine(q, table),
        LAKE_PREFIX.commits(table),
        ...(role === "ingest-files" ? [LAKE_PREFIX.files(table)] : []),
      ];
      return { read: own, write: own, delete: [] };
    }
    case "plan":
      return {
        read: [LAKE_PREFIX.commits(table), LAKE_PREFIX.raw(table), LAKE_PREFIX.warehouse, runs, ...hive(all)],
        write: [runs, ...iceberg(all, LAKE_PREFIX.icebergMetadata)],
        delete: [],
      };
    case "compact":
    case "aggregate": {
      const own = tables[role];
      const writes = [
        ...iceberg(own, LAKE_PREFIX.icebergData),
        ...hive(own),
        runs,
        ...(role === "aggregate" ? own.map((t) => `${LAKE_PREFIX.quarantine(q, t)}late/`) : []),
      ];
      return {
        read: [LAKE_PREFIX.raw(table), runs, ...writes.filter((p) => p !== runs)],
        write: writes,
        delete: [],
      };
    }
    case "publish":
      return {
        read: [runs, LAKE_PREFIX.warehouse, ...hive(all)],
        write: [...iceberg(all, LAKE_PREFIX.icebergMetadata), runs],
        delete: [],
      };
    case "maintain":
      // Iceberg: merged manifests, expired snapshots, orphans. Hive layout: files no _SUCCESS
      // manifest lists any more (older versions), removed only here, never by the writers.
      return {
        read: [LAKE_PREFIX.warehouse, ...hive(all)],
        write: [LAKE_PREFIX.warehouse],
        delete: [LAKE_PREFIX.warehouse, ...hive(all)],
      };
  }
}

/**
 * A file source in the lake bucket must stay clear of every prefix lakestream writes: its own
 * raw files, quarantine or bookkeeping would otherwise come back as new source files, forever.
 */
export function assertFileSourcePrefix(pipeline: Pipeline): void {
  const prefix = pipeline.source.files?.prefix;
  if (prefix === undefined) return;
  const first = prefix.split("/")[0]!;
  const owned = [...RESERVED_TOP_LEVEL, pipeline.sink.table, pipeline.quarantine.prefix.split("/")[0]!];
  if (prefix === "" || !prefix.includes("/") || owned.includes(first)) {
    throw new ConfigError(
      `pipeline(${pipeline.name}).source.files.prefix`,
      `"${prefix}" in the lake bucket must be a folder of its own ("landing/${pipeline.name}/"), outside ${owned.join(", ")}`,
    );
  }
}

/**
 * A raw table or quarantine prefix that starts with a reserved segment would put another
 * stage's files inside the ingest's grant (a sink table named `warehouse` could overwrite every
 * published table), so it fails synthesis with the field named.
 */
export function assertOwnPrefixes(pipeline: Pipeline): void {
  const check = (field: string, value: string) => {
    const first = value.split("/")[0]!;
    if ((RESERVED_TOP_LEVEL as readonly string[]).includes(first)) {
      throw new ConfigError(
        `pipeline(${pipeline.name}).${field}`,
        `"${value}" starts with "${first}/", which the lake reserves (${RESERVED_TOP_LEVEL.join(", ")})`,
      );
    }
  };
  check("sink.table", pipeline.sink.table);
  check("quarantine.prefix", pipeline.quarantine.prefix);
}
