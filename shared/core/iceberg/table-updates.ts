import type { IcebergSchema, PartitionSpec, Snapshot, SnapshotRef } from "./types.ts";

/**
 * The changes and preconditions of a commit, in the Iceberg REST catalog protocol's shapes
 * (`TableUpdate`, `TableRequirement` in the OpenAPI spec). The REST catalog sends them as they
 * are; the storage catalog applies them itself (table-metadata.ts), so both commit the same way.
 */
export type TableUpdate =
  | { readonly action: "add-schema"; readonly schema: IcebergSchema; readonly "last-column-id"?: number }
  | { readonly action: "set-current-schema"; readonly "schema-id": number }
  | { readonly action: "add-spec"; readonly spec: PartitionSpec }
  | { readonly action: "set-default-spec"; readonly "spec-id": number }
  | { readonly action: "add-snapshot"; readonly snapshot: Snapshot }
  | ({ readonly action: "set-snapshot-ref"; readonly "ref-name": string } & SnapshotRef)
  | { readonly action: "remove-snapshots"; readonly "snapshot-ids": readonly bigint[] }
  | { readonly action: "set-properties"; readonly updates: Readonly<Record<string, string>> }
  | { readonly action: "remove-properties"; readonly removals: readonly string[] };

export type TableRequirement =
  | { readonly type: "assert-table-uuid"; readonly uuid: string }
  | { readonly type: "assert-ref-snapshot-id"; readonly ref: string; readonly "snapshot-id": bigint | null }
  | { readonly type: "assert-current-schema-id"; readonly "current-schema-id": number }
  | { readonly type: "assert-last-assigned-field-id"; readonly "last-assigned-field-id": number }
  | { readonly type: "assert-default-spec-id"; readonly "default-spec-id": number };
