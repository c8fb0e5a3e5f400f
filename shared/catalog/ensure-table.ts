import { IcebergError } from "../core/iceberg/errors.ts";
import { type PartitionSource, partitionSpecFor } from "../core/iceberg/partition.ts";
import { newIcebergSchema } from "../core/iceberg/schema.ts";
import { evolveSchema } from "../core/iceberg/schema-evolution.ts";
import { currentSchema, defaultSpec } from "../core/iceberg/table-metadata.ts";
import type { TableSchema } from "../core/schema.ts";
import { CommitConflictError, TableAlreadyExistsError } from "./errors.ts";
import { type LoadedTable, type TableCatalog, type TableIdentifier, tableName } from "./table-catalog.ts";

export interface TableDefinition {
  readonly columns: TableSchema;
  readonly partitioning: readonly PartitionSource[];
  /** Absolute location for a new table; undefined: the catalog chooses (S3 Tables does). */
  readonly location: string | undefined;
  readonly properties: Readonly<Record<string, string>>;
}

/** The table's partitioning is not what the pipeline declares; lakestream does not evolve specs. */
export class PartitioningChangedError extends IcebergError {
  override readonly name = "PartitioningChangedError";
}

/**
 * Makes the table exist with a schema that accepts what the pipeline writes: creates it on first
 * use (a racing creator wins harmlessly), evolves its schema when the pipeline added or widened
 * columns (a commit guarded by the current schema id), and fails with the column named when the
 * change is incompatible. Returns the table as it is afterwards: its field ids are the ones data
 * files must carry.
 */
export async function ensureTable(
  catalog: TableCatalog,
  id: TableIdentifier,
  def: TableDefinition,
): Promise<LoadedTable> {
  let table = await catalog.loadTable(id);
  if (!table) {
    await catalog.ensureNamespace(id.namespace);
    const schema = newIcebergSchema(def.columns);
    try {
      table = await catalog.createTable(id, {
        ...(def.location === undefined ? {} : { location: def.location }),
        schema,
        spec: partitionSpecFor(schema, def.partitioning),
        properties: def.properties,
      });
    } catch (e) {
      if (!(e instanceof TableAlreadyExistsError)) throw e;
      table = await catalog.loadTable(id);
      if (!table) throw e;
    }
  }
  checkPartitioning(id, table, def);
  for (let attempt = 1; ; attempt++) {
    const md = table.metadata;
    const evolved = evolveSchema(tableName(id), currentSchema(md), md["last-column-id"], def.columns);
    if (!evolved) return table;
    const schema = { ...evolved.schema, "schema-id": Math.max(...md.schemas.map((s) => s["schema-id"])) + 1 };
    try {
      return await catalog.commitTable(
        id,
        table,
        [
          { type: "assert-table-uuid", uuid: md["table-uuid"] },
          { type: "assert-current-schema-id", "current-schema-id": md["current-schema-id"] },
          { type: "assert-last-assigned-field-id", "last-assigned-field-id": md["last-column-id"] },
        ],
        [
          { action: "add-schema", schema, "last-column-id": evolved.lastColumnId },
          { action: "set-current-schema", "schema-id": -1 },
        ],
      );
    } catch (e) {
      if (!(e instanceof CommitConflictError) || attempt >= 5) throw e;
      const reloaded = await catalog.loadTable(id);
      if (!reloaded) throw e;
      table = reloaded;
    }
  }
}

function checkPartitioning(id: TableIdentifier, table: LoadedTable, def: TableDefinition): void {
  const schema = currentSchema(table.metadata);
  const wanted = partitionSpecFor(schema, def.partitioning);
  const actual = defaultSpec(table.metadata);
  const describe = (s: typeof actual) =>
    s.fields.map((f) => `${f.transform}(${f["source-id"]}) as ${f.name}`).join(", ") || "unpartitioned";
  const same =
    wanted.fields.length === actual.fields.length &&
    wanted.fields.every(
      (f, i) =>
        f["source-id"] === actual.fields[i]!["source-id"] && f.transform === actual.fields[i]!.transform,
    );
  if (!same) {
    throw new PartitioningChangedError(
      `${tableName(id)}: the table is partitioned by ${describe(actual)}, the pipeline by ${describe(wanted)}; publish to a new table (sink.table) or evolve the partition spec with Spark first`,
    );
  }
}
