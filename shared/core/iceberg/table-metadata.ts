import { IcebergMetadataError } from "./errors.ts";
import { parseJsonExact, stringifyJsonExact, toLong } from "./json.ts";
import { lastColumnId } from "./schema.ts";
import type { TableRequirement, TableUpdate } from "./table-updates.ts";
import type { IcebergSchema, PartitionSpec, Snapshot, SnapshotRef, TableMetadata } from "./types.ts";

/** How many previous metadata files the log keeps (Iceberg's write.metadata.previous-versions-max). */
const METADATA_LOG_MAX = 100;

export interface NewTable {
  readonly uuid: string;
  readonly location: string;
  readonly schema: IcebergSchema;
  readonly spec: PartitionSpec;
  readonly properties?: Readonly<Record<string, string>>;
  readonly nowMs: number;
}

/** Metadata of a new, empty v2 table. */
export function newTableMetadata(t: NewTable): TableMetadata {
  return {
    "format-version": 2,
    "table-uuid": t.uuid,
    location: t.location.replace(/\/+$/, ""),
    "last-sequence-number": 0,
    "last-updated-ms": t.nowMs,
    "last-column-id": lastColumnId(t.schema),
    schemas: [t.schema],
    "current-schema-id": t.schema["schema-id"],
    "partition-specs": [t.spec],
    "default-spec-id": t.spec["spec-id"],
    "last-partition-id": Math.max(999, ...t.spec.fields.map((f) => f["field-id"])),
    properties: { ...t.properties },
    snapshots: [],
    "snapshot-log": [],
    "metadata-log": [],
    "sort-orders": [{ "order-id": 0, fields: [] }],
    "default-sort-order-id": 0,
    refs: {},
  };
}

/** Parses a metadata JSON file (ours or any engine's), keeping 64-bit ids exact. */
export function parseTableMetadata(location: string, text: string): TableMetadata {
  return tableMetadataFrom(location, parseJsonExact(text));
}

/** Normalizes parsed metadata JSON (64-bit ids as bigint, no `-1` current snapshot). */
export function tableMetadataFrom(location: string, json: unknown): TableMetadata {
  const raw = json as Record<string, unknown>;
  if (raw["format-version"] !== 2) {
    throw new IcebergMetadataError(
      location,
      `format-version ${String(raw["format-version"])}: lakestream reads v2 tables`,
    );
  }
  const snapshots = ((raw.snapshots ?? []) as Record<string, unknown>[]).map(
    (s): Snapshot => ({
      ...(s as unknown as Snapshot),
      "snapshot-id": toLong(s["snapshot-id"]),
      ...(s["parent-snapshot-id"] === undefined || s["parent-snapshot-id"] === null
        ? {}
        : { "parent-snapshot-id": toLong(s["parent-snapshot-id"]) }),
    }),
  );
  const refs = Object.fromEntries(
    Object.entries((raw.refs ?? {}) as Record<string, Record<string, unknown>>).map(([name, r]) => [
      name,
      { ...(r as unknown as SnapshotRef), "snapshot-id": toLong(r["snapshot-id"]) },
    ]),
  );
  const current = raw["current-snapshot-id"];
  const { "current-snapshot-id": _c, ...rest } = raw;
  return {
    ...(rest as unknown as TableMetadata),
    snapshots,
    refs,
    "snapshot-log": ((raw["snapshot-log"] ?? []) as Record<string, unknown>[]).map((l) => ({
      "timestamp-ms": Number(l["timestamp-ms"]),
      "snapshot-id": toLong(l["snapshot-id"]),
    })),
    ...(current === undefined || current === null || current === -1 || current === -1n
      ? {}
      : { "current-snapshot-id": toLong(current) }),
  };
}

export function serializeTableMetadata(metadata: TableMetadata): string {
  return stringifyJsonExact(metadata, 1);
}

/** The snapshot a branch (main by default) points at, if any. */
export function currentSnapshot(metadata: TableMetadata, ref = "main"): Snapshot | undefined {
  const id =
    metadata.refs?.[ref]?.["snapshot-id"] ?? (ref === "main" ? metadata["current-snapshot-id"] : undefined);
  return id === undefined ? undefined : metadata.snapshots?.find((s) => s["snapshot-id"] === id);
}

export function currentSchema(metadata: TableMetadata): IcebergSchema {
  const schema = metadata.schemas.find((s) => s["schema-id"] === metadata["current-schema-id"]);
  if (!schema) throw new IcebergMetadataError(metadata.location, "current-schema-id names no schema");
  return schema;
}

export function defaultSpec(metadata: TableMetadata): PartitionSpec {
  const spec = metadata["partition-specs"].find((s) => s["spec-id"] === metadata["default-spec-id"]);
  if (!spec) throw new IcebergMetadataError(metadata.location, "default-spec-id names no partition spec");
  return spec;
}

/** The first requirement the metadata does not meet, as a sentence; undefined when all hold. */
export function unmetRequirement(
  metadata: TableMetadata,
  requirements: readonly TableRequirement[],
): string | undefined {
  for (const r of requirements) {
    switch (r.type) {
      case "assert-table-uuid":
        if (metadata["table-uuid"] !== r.uuid)
          return `table uuid is ${metadata["table-uuid"]}, not ${r.uuid}`;
        break;
      case "assert-ref-snapshot-id": {
        const actual = metadata.refs?.[r.ref]?.["snapshot-id"] ?? null;
        if (actual !== r["snapshot-id"])
          return `branch ${r.ref} is at ${actual ?? "no snapshot"}, not ${r["snapshot-id"] ?? "no snapshot"}`;
        break;
      }
      case "assert-current-schema-id":
        if (metadata["current-schema-id"] !== r["current-schema-id"]) return "the current schema changed";
        break;
      case "assert-last-assigned-field-id":
        if (metadata["last-column-id"] !== r["last-assigned-field-id"])
          return "the last assigned field id changed";
        break;
      case "assert-default-spec-id":
        if (metadata["default-spec-id"] !== r["default-spec-id"]) return "the default partition spec changed";
        break;
    }
  }
  return undefined;
}

/**
 * Applies a commit's updates as a catalog server does, producing the next metadata version.
 * `previousLocation` (the metadata file being replaced) goes into the metadata log.
 */
export function applyUpdates(
  base: TableMetadata,
  updates: readonly TableUpdate[],
  nowMs: number,
  previousLocation?: string,
): TableMetadata {
  let md: TableMetadata = { ...base, "last-updated-ms": nowMs };
  let lastAddedSchema: number | undefined;
  let lastAddedSpec: number | undefined;
  for (const u of updates) {
    switch (u.action) {
      case "add-schema":
        md = {
          ...md,
          schemas: [...md.schemas.filter((s) => s["schema-id"] !== u.schema["schema-id"]), u.schema],
          "last-column-id": Math.max(md["last-column-id"], u["last-column-id"] ?? lastColumnId(u.schema)),
        };
        lastAddedSchema = u.schema["schema-id"];
        break;
      case "set-current-schema":
        md = { ...md, "current-schema-id": u["schema-id"] === -1 ? lastAddedSchema! : u["schema-id"] };
        break;
      case "add-spec":
        md = {
          ...md,
          "partition-specs": [...md["partition-specs"], u.spec],
          "last-partition-id": Math.max(md["last-partition-id"], ...u.spec.fields.map((f) => f["field-id"])),
        };
        lastAddedSpec = u.spec["spec-id"];
        break;
      case "set-default-spec":
        md = { ...md, "default-spec-id": u["spec-id"] === -1 ? lastAddedSpec! : u["spec-id"] };
        break;
      case "add-snapshot":
        md = {
          ...md,
          snapshots: [...(md.snapshots ?? []), u.snapshot],
          "last-sequence-number": Math.max(md["last-sequence-number"], u.snapshot["sequence-number"]),
        };
        break;
      case "set-snapshot-ref": {
        const { action: _a, "ref-name": name, ...ref } = u;
        md = { ...md, refs: { ...md.refs, [name]: ref } };
        if (name === "main") {
          md = {
            ...md,
            "current-snapshot-id": ref["snapshot-id"],
            "snapshot-log": [
              ...(md["snapshot-log"] ?? []),
              { "timestamp-ms": nowMs, "snapshot-id": ref["snapshot-id"] },
            ],
          };
        }
        break;
      }
      case "remove-snapshots": {
        const gone = new Set(u["snapshot-ids"]);
        const snapshots = (md.snapshots ?? []).filter((s) => !gone.has(s["snapshot-id"]));
        const log = md["snapshot-log"] ?? [];
        // Entries before the last removed one go too (the spec's rule for expired snapshots).
        const lastGone = log.findLastIndex((l) => gone.has(l["snapshot-id"]));
        md = { ...md, snapshots, "snapshot-log": log.slice(lastGone + 1) };
        break;
      }
      case "set-properties":
        md = { ...md, properties: { ...md.properties, ...u.updates } };
        break;
      case "remove-properties": {
        const properties = { ...md.properties };
        for (const k of u.removals) delete properties[k];
        md = { ...md, properties };
        break;
      }
    }
  }
  if (previousLocation !== undefined) {
    const log = [
      ...(md["metadata-log"] ?? []),
      { "timestamp-ms": base["last-updated-ms"], "metadata-file": previousLocation },
    ];
    md = { ...md, "metadata-log": log.slice(-METADATA_LOG_MAX) };
  }
  return md;
}
