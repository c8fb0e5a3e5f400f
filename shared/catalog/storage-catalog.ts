import { randomUUID } from "node:crypto";
import {
  applyUpdates,
  newTableMetadata,
  parseTableMetadata,
  serializeTableMetadata,
  unmetRequirement,
} from "../core/iceberg/table-metadata.ts";
import type { TableRequirement, TableUpdate } from "../core/iceberg/table-updates.ts";
import { locationOfKey } from "../storage/locations.ts";
import type { ObjectStore } from "../storage/object-store.ts";
import { CommitConflictError, TableAlreadyExistsError } from "./errors.ts";
import {
  type CreateTableRequest,
  type LoadedTable,
  type TableCatalog,
  type TableIdentifier,
  tableName,
} from "./table-catalog.ts";

const VERSION_FILE = /^v(\d+)\.metadata\.json$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The catalog of a lake without a catalog server: each table's metadata files live in the lake
 * itself (`warehouse/<namespace>/<table>/metadata/v<N>.metadata.json`, the layout Spark's
 * HadoopCatalog, DuckDB's `iceberg_scan` and pyiceberg's StaticTable read by path). A commit
 * creates version N+1 with a put-if-absent (`If-None-Match: *` on S3, exclusive create on
 * disk): of two writers on version N exactly one wins, the other gets CommitConflictError.
 * `version-hint.text` is only a hint for readers; the highest existing version is the truth.
 */
export class StorageCatalog implements TableCatalog {
  readonly kind = "storage";
  readonly #store: ObjectStore;
  readonly #clock: () => number;

  constructor(store: ObjectStore, options: { clock?: () => number } = {}) {
    this.#store = store;
    this.#clock = options.clock ?? Date.now;
  }

  /** Namespaces are folders: nothing to create. */
  async ensureNamespace(): Promise<void> {}

  /** Where a table lives in this lake. */
  tableLocation(id: TableIdentifier): string {
    return locationOfKey(this.#store, tablePrefix(id));
  }

  async loadTable(id: TableIdentifier): Promise<LoadedTable | undefined> {
    const current = await this.#currentVersion(id);
    if (current === undefined) return undefined;
    // A commit whose hint write failed left readers that trust the hint (DuckDB, pyiceberg's
    // StaticTable) on an older version; every later load (publish, maintain) puts it right.
    if (current.hinted !== current.version) await this.#writeHint(id, current.version);
    return this.#read(id, current.version);
  }

  async createTable(id: TableIdentifier, request: CreateTableRequest): Promise<LoadedTable> {
    const metadata = newTableMetadata({
      uuid: randomUUID(),
      location: request.location ?? this.tableLocation(id),
      schema: request.schema,
      spec: request.spec,
      properties: request.properties,
      nowMs: this.#clock(),
    });
    const key = versionKey(id, 1);
    const { written } = await this.#store.put(key, encoder.encode(serializeTableMetadata(metadata)), {
      ifAbsent: true,
      contentType: "application/json",
    });
    if (!written) throw new TableAlreadyExistsError(tableName(id));
    await this.#writeHint(id, 1);
    return { metadata, metadataLocation: locationOfKey(this.#store, key) };
  }

  async commitTable(
    id: TableIdentifier,
    base: LoadedTable,
    requirements: readonly TableRequirement[],
    updates: readonly TableUpdate[],
  ): Promise<LoadedTable> {
    const version = versionOf(base.metadataLocation);
    const unmet = unmetRequirement(base.metadata, requirements);
    if (unmet) throw new CommitConflictError(tableName(id), unmet);
    const metadata = applyUpdates(base.metadata, updates, this.#clock(), base.metadataLocation);
    const key = versionKey(id, version + 1);
    const { written } = await this.#store.put(key, encoder.encode(serializeTableMetadata(metadata)), {
      ifAbsent: true,
      contentType: "application/json",
    });
    if (!written)
      throw new CommitConflictError(tableName(id), `version ${version + 1} was committed by another writer`);
    await this.#writeHint(id, version + 1);
    return { metadata, metadataLocation: locationOfKey(this.#store, key) };
  }

  async #read(id: TableIdentifier, version: number): Promise<LoadedTable | undefined> {
    const key = versionKey(id, version);
    const body = await this.#store.get(key);
    if (!body) return undefined;
    const metadataLocation = locationOfKey(this.#store, key);
    return { metadata: parseTableMetadata(metadataLocation, decoder.decode(body)), metadataLocation };
  }

  /** The hint, then forward while the next version exists; a listing when there is no hint. */
  async #currentVersion(id: TableIdentifier): Promise<{ version: number; hinted?: number } | undefined> {
    const hint = await this.#store.get(`${tablePrefix(id)}/metadata/version-hint.text`);
    const hinted = hint ? Number.parseInt(decoder.decode(hint).trim(), 10) : Number.NaN;
    let version = hinted;
    if (!Number.isSafeInteger(version) || version < 1) {
      const versions = (await this.#store.list(`${tablePrefix(id)}/metadata/`))
        .map(({ key }) => VERSION_FILE.exec(key.slice(key.lastIndexOf("/") + 1))?.[1])
        .filter((v): v is string => v !== undefined)
        .map(Number);
      if (versions.length === 0) return undefined;
      version = Math.max(...versions);
    }
    while ((await this.#store.get(versionKey(id, version + 1))) !== undefined) version++;
    return Number.isSafeInteger(hinted) ? { version, hinted } : { version };
  }

  /** Best effort: a stale hint only makes readers probe forward (or read the previous version). */
  async #writeHint(id: TableIdentifier, version: number): Promise<void> {
    await this.#store
      .put(`${tablePrefix(id)}/metadata/version-hint.text`, encoder.encode(String(version)), {
        contentType: "text/plain",
      })
      .catch(() => undefined);
  }
}

/** `warehouse/<namespace>/<table>`: the layout path-based readers expect under a warehouse root. */
export function tablePrefix(id: TableIdentifier): string {
  return `${WAREHOUSE_PREFIX}${id.namespace}/${id.name}`;
}

/** The lake folder that holds every Iceberg table, whichever catalog registers them. */
export const WAREHOUSE_PREFIX = "warehouse/";

function versionKey(id: TableIdentifier, version: number): string {
  return `${tablePrefix(id)}/metadata/v${version}.metadata.json`;
}

function versionOf(metadataLocation: string): number {
  const name = metadataLocation.slice(metadataLocation.lastIndexOf("/") + 1);
  const m = VERSION_FILE.exec(name);
  if (!m)
    throw new CommitConflictError(
      metadataLocation,
      "not a storage-catalog metadata file (v<N>.metadata.json)",
    );
  return Number(m[1]);
}
