import { s3Endpoint } from "./services.ts";

/** S3 access for a warehouse on S3Proxy, as S3FileIO and pyarrow need it (path-style, fixed keys). */
export interface WarehouseS3Access {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

/** One of the two Apache Iceberg REST catalog servers that test/services/iceberg-rest.sh starts. */
export interface RestCatalogEndpoint {
  kind: "disk" | "s3";
  /** Base URI: clients append /v1/... */
  uri: string;
  /** Disk: an absolute folder path. S3: s3://<bucket>/warehouse. */
  warehouse: string;
  /** Set for the S3 warehouse: what a client needs to read and write its files. */
  s3?: WarehouseS3Access;
}

/**
 * The catalog whose warehouse is a local folder. with-services.sh exports ICEBERG_REST_URI and
 * ICEBERG_REST_DISK_WAREHOUSE; the defaults match iceberg-rest.sh's.
 */
export function restCatalogDisk(): RestCatalogEndpoint {
  const port = process.env.ICEBERG_REST_PORT ?? "8181";
  return {
    kind: "disk",
    uri: process.env.ICEBERG_REST_URI ?? `http://127.0.0.1:${port}`,
    warehouse:
      process.env.ICEBERG_REST_DISK_WAREHOUSE ??
      new URL(`../../.services/iceberg-rest/warehouse-disk-${port}`, import.meta.url).pathname,
  };
}

/** The catalog whose warehouse is on S3Proxy (ICEBERG_REST_S3_URI, ICEBERG_REST_S3_WAREHOUSE). */
export function restCatalogS3(): RestCatalogEndpoint {
  return {
    kind: "s3",
    uri: process.env.ICEBERG_REST_S3_URI ?? `http://127.0.0.1:${process.env.ICEBERG_REST_S3_PORT ?? "8182"}`,
    warehouse: process.env.ICEBERG_REST_S3_WAREHOUSE ?? "s3://iceberg-warehouse/warehouse",
    s3: warehouseS3Access(),
  };
}

/** The keys test/services/s3proxy.sh configures (with-services.sh exports them as AWS_*). */
export function warehouseS3Access(): WarehouseS3Access {
  return {
    endpoint: s3Endpoint(),
    accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? "lakestream",
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? "lakestream-secret",
    region: process.env.AWS_REGION ?? "us-east-1",
  };
}

/** Fails with instructions when a catalog server does not answer GET /v1/config. */
export async function assertRestCatalogReady(endpoint: RestCatalogEndpoint): Promise<void> {
  const url = `${endpoint.uri}/v1/config`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
  } catch (error) {
    throw new Error(
      `No Iceberg REST catalog answers at ${url}. Run the tests with \`npm test\`, or start it: ` +
        `\`bash test/services/iceberg-rest.sh start ${endpoint.kind}\``,
      { cause: error },
    );
  }
}

/** pyiceberg's S3 (pyarrow) properties for a warehouse on S3Proxy. */
export function pyicebergS3Properties(s3: WarehouseS3Access): Record<string, string> {
  return {
    "s3.endpoint": s3.endpoint,
    "s3.access-key-id": s3.accessKeyId,
    "s3.secret-access-key": s3.secretAccessKey,
    "s3.region": s3.region,
    "s3.force-virtual-addressing": "false",
  };
}

/** Properties for pyiceberg's `load_catalog(name, **properties)` (lakestream_interop.rest_catalog). */
export function pyicebergCatalogProperties(endpoint: RestCatalogEndpoint): Record<string, string> {
  return {
    type: "rest",
    uri: endpoint.uri,
    warehouse: endpoint.kind === "disk" ? `file://${endpoint.warehouse}` : endpoint.warehouse,
    ...(endpoint.s3 ? pyicebergS3Properties(endpoint.s3) : {}),
  };
}

/**
 * The table's current metadata file, asked of the REST server directly (GET …/tables/<table>),
 * so a test can hand it to readers that take a metadata file (StaticTable, DuckDB, Spark by path).
 */
export async function restMetadataLocation(
  endpoint: RestCatalogEndpoint,
  namespace: string,
  table: string,
): Promise<string> {
  const url = `${endpoint.uri}/v1/namespaces/${encodeURIComponent(namespace)}/tables/${encodeURIComponent(table)}`;
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}: ${text.slice(0, 500)}`);
  // Only a string is taken from the body: JSON.parse would round its 64-bit snapshot ids.
  const location = (JSON.parse(text) as { "metadata-location"?: unknown })["metadata-location"];
  if (typeof location !== "string")
    throw new Error(`GET ${url}: no metadata-location in ${text.slice(0, 200)}`);
  return location;
}

/** A file:/… or file:///… location (Hadoop writes file:/ with one slash) as a plain path. */
export function localPath(location: string): string {
  return location.startsWith("file:") ? location.slice("file:".length).replace(/^\/+/, "/") : location;
}
