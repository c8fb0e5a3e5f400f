import { tableMetadataFrom } from "../core/iceberg/table-metadata.ts";
import type { TableRequirement, TableUpdate } from "../core/iceberg/table-updates.ts";
import {
  CatalogRequestError,
  CommitConflictError,
  CommitStateUnknownError,
  NoSuchTableError,
  TableAlreadyExistsError,
} from "./errors.ts";
import { errorMessage, RestHttp, type RestHttpOptions } from "./rest-http.ts";
import {
  type CreateTableRequest,
  type LoadedTable,
  type TableCatalog,
  type TableIdentifier,
  tableName,
} from "./table-catalog.ts";

export interface RestCatalogOptions extends RestHttpOptions {
  /** Sent to /v1/config: the account id for Glue, the table bucket ARN for S3 Tables. */
  readonly warehouse?: string;
  /** The catalog chooses tables' locations (S3 Tables): creates send none. */
  readonly assignsLocations?: boolean;
}

/**
 * A client of the Iceberg REST catalog protocol (the OpenAPI spec in apache/iceberg): Glue's
 * Iceberg endpoint and S3 Tables in AWS, Apache Iceberg's own REST server in tests. Commits are
 * requirement-guarded; HTTP 409 becomes CommitConflictError (reload, rebase, retry) and a 5xx
 * on a commit CommitStateUnknownError (reload and look before retrying).
 */
export class RestCatalog implements TableCatalog {
  readonly kind = "rest";
  readonly assignsLocations: boolean;
  readonly #http: RestHttp;
  readonly #warehouse: string | undefined;
  #prefix: Promise<string> | undefined;

  constructor(options: RestCatalogOptions) {
    this.#http = new RestHttp(options);
    this.#warehouse = options.warehouse;
    this.assignsLocations = options.assignsLocations ?? false;
  }

  async ensureNamespace(namespace: string): Promise<void> {
    const base = await this.#base();
    const got = await this.#http.request("GET", `${base}/namespaces/${encodeURIComponent(namespace)}`, {
      idempotent: true,
    });
    if (got.status === 200) return;
    const made = await this.#http.request("POST", `${base}/namespaces`, {
      body: { namespace: [namespace], properties: {} },
      idempotent: true,
    });
    if (made.status === 200 || made.status === 409) return;
    throw new CatalogRequestError(
      `create namespace ${namespace}`,
      made.status,
      errorMessage(made.body),
      false,
    );
  }

  async loadTable(id: TableIdentifier): Promise<LoadedTable | undefined> {
    const res = await this.#http.request("GET", await this.#tablePath(id), { idempotent: true });
    if (res.status === 404) return undefined;
    return this.#loaded(id, "load", res.status, res.body);
  }

  async createTable(id: TableIdentifier, request: CreateTableRequest): Promise<LoadedTable> {
    const base = await this.#base();
    const res = await this.#http.request(
      "POST",
      `${base}/namespaces/${encodeURIComponent(id.namespace)}/tables`,
      {
        body: {
          name: id.name,
          ...(request.location === undefined || this.assignsLocations ? {} : { location: request.location }),
          schema: request.schema,
          "partition-spec": request.spec,
          "write-order": { "order-id": 0, fields: [] },
          properties: request.properties,
          "stage-create": false,
        },
        idempotent: false,
      },
    );
    if (res.status === 409) throw new TableAlreadyExistsError(tableName(id));
    return this.#loaded(id, "create", res.status, res.body);
  }

  async commitTable(
    id: TableIdentifier,
    _base: LoadedTable,
    requirements: readonly TableRequirement[],
    updates: readonly TableUpdate[],
  ): Promise<LoadedTable> {
    let res: Awaited<ReturnType<RestHttp["request"]>>;
    try {
      res = await this.#http.request("POST", await this.#tablePath(id), {
        body: { identifier: { namespace: [id.namespace], name: id.name }, requirements, updates },
        idempotent: false,
      });
    } catch (e) {
      throw new CommitStateUnknownError(tableName(id), (e as Error).message, { cause: e });
    }
    if (res.status === 409) throw new CommitConflictError(tableName(id), errorMessage(res.body));
    if (res.status >= 500)
      throw new CommitStateUnknownError(tableName(id), `HTTP ${res.status}: ${errorMessage(res.body)}`);
    return this.#loaded(id, "commit", res.status, res.body);
  }

  #loaded(id: TableIdentifier, what: string, status: number, body: unknown): LoadedTable {
    if (status === 404) throw new NoSuchTableError(tableName(id));
    if (status !== 200) {
      throw new CatalogRequestError(
        `${what} ${tableName(id)}`,
        status,
        errorMessage(body),
        status === 429 || status >= 500,
      );
    }
    const b = body as { "metadata-location": string; metadata: unknown };
    const location = b["metadata-location"];
    return {
      metadataLocation: location,
      metadata: tableMetadataFrom(location, b.metadata),
    };
  }

  async #tablePath(id: TableIdentifier): Promise<string> {
    return `${await this.#base()}/namespaces/${encodeURIComponent(id.namespace)}/tables/${encodeURIComponent(id.name)}`;
  }

  /** `/v1` or `/v1/<prefix>`: the prefix comes from the server's /v1/config overrides. */
  #base(): Promise<string> {
    this.#prefix ??= (async () => {
      const res = await this.#http.request("GET", "/v1/config", {
        query: this.#warehouse ? { warehouse: this.#warehouse } : {},
        idempotent: true,
      });
      if (res.status !== 200) {
        this.#prefix = undefined;
        throw new CatalogRequestError(
          "GET /v1/config",
          res.status,
          errorMessage(res.body),
          res.status >= 500,
        );
      }
      const prefix = (res.body as { overrides?: Record<string, string> }).overrides?.prefix;
      // As Iceberg's own clients do: the server's prefix goes into the path as it is given.
      return prefix ? `/v1/${prefix}` : "/v1";
    })();
    return this.#prefix;
  }
}
