import { ConfigError } from "../shared/core/errors.ts";
import type { CatalogConfig } from "./config.ts";
import type { LaterStage } from "./constructs/stage-state-machine.ts";

/**
 * What each later stage does through the Iceberg REST catalog, and the IAM actions that takes,
 * in one place (the S3 grants on the lake stay in lake-layout.ts):
 * - plan loads the pipeline's tables, creates them on first use (after checking the namespace)
 *   and evolves their schemas: load, create and commit;
 * - compact and aggregate only write data files; they never call the catalog;
 * - publish commits one snapshot per table; maintain loads, commits merged manifests and
 *   expired snapshots.
 * Every client call starts with `GET /v1/config` (the warehouse's prefix).
 */

/**
 * AWS Glue Data Catalog through its Iceberg REST endpoint. The actions per REST operation are
 * the AWS Glue Developer Guide's ("AWS Glue REST APIs for Apache Iceberg specifications",
 * https://docs.aws.amazon.com/glue/latest/dg/iceberg-rest-apis.html): GetConfig →
 * glue:GetCatalog, LoadNamespaceMetadata → glue:GetDatabase, LoadTable → glue:GetTable,
 * CreateTable → glue:CreateTable, UpdateTable (a commit) → glue:UpdateTable. The same page lists
 * the Lake Formation permissions each needs where Lake Formation governs the database; the stack
 * registers no lake location with Lake Formation, so no `lakeformation:GetDataAccess` (see
 * docs/deploy.md, "Lake Formation").
 */
export const GLUE_ACTIONS: Readonly<Record<LaterStage, readonly string[]>> = {
  plan: ["glue:GetCatalog", "glue:GetDatabase", "glue:GetTable", "glue:CreateTable", "glue:UpdateTable"],
  compact: [],
  aggregate: [],
  publish: ["glue:GetCatalog", "glue:GetDatabase", "glue:GetTable", "glue:UpdateTable"],
  maintain: ["glue:GetCatalog", "glue:GetDatabase", "glue:GetTable", "glue:UpdateTable"],
};

/**
 * Amazon S3 Tables through its own Iceberg REST endpoint. Table-level actions follow the Amazon
 * S3 User Guide's "Granting access with SQL semantics"
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-tables-sql.html): SELECT needs
 * GetTableData and GetTableMetadataLocation; CREATE adds CreateTable, UpdateTableMetadataLocation
 * and PutTableData; INSERT needs UpdateTableMetadataLocation, PutTableData and
 * GetTableMetadataLocation. Data and metadata files live in the table's own storage, written
 * with the S3 object API and authorized by PutTableData/GetTableData ("Supported Amazon S3
 * object-level API operations for S3 Tables": no DeleteObject, no listing), which is why S3 Tables
 * runs maintenance itself and the stack deploys no maintain function for these tables.
 */
export const S3TABLES_BUCKET_ACTIONS: Readonly<Record<LaterStage, readonly string[]>> = {
  plan: ["s3tables:GetTableBucket", "s3tables:GetNamespace"],
  compact: [],
  aggregate: [],
  publish: ["s3tables:GetTableBucket"],
  maintain: [],
};

/** `s3tables:CreateTable` is authorized on the table bucket, narrowed by `s3tables:namespace`. */
export const S3TABLES_CREATE_ACTIONS: Readonly<Record<LaterStage, readonly string[]>> = {
  plan: ["s3tables:CreateTable"],
  compact: [],
  aggregate: [],
  publish: [],
  maintain: [],
};

const TABLE_COMMIT = [
  "s3tables:GetTableMetadataLocation",
  "s3tables:UpdateTableMetadataLocation",
  "s3tables:GetTableData",
  "s3tables:PutTableData",
] as const;

export const S3TABLES_TABLE_ACTIONS: Readonly<Record<LaterStage, readonly string[]>> = {
  plan: TABLE_COMMIT,
  compact: ["s3tables:GetTableData", "s3tables:PutTableData"],
  aggregate: ["s3tables:GetTableData", "s3tables:PutTableData"],
  publish: TABLE_COMMIT,
  maintain: [],
};

/**
 * Whether a stage function is deployed for a pipeline with Iceberg tables in this catalog:
 * S3 Tables compacts, expires snapshots and removes unreferenced files itself (table bucket
 * maintenance), and its storage takes no deletes or listings, so `maintain` has nothing to do.
 */
export function stageDeployed(catalog: CatalogConfig, stage: LaterStage, iceberg: boolean): boolean {
  return !(iceberg && catalog.type === "s3tables" && stage === "maintain");
}

/**
 * The table bucket of a pipeline stack: its stack name, lower-cased, with `-tables`. Table
 * bucket names are unique per account and Region and follow the Amazon S3 User Guide's "Amazon
 * S3 table bucket, table, and namespace naming rules" (3-63 lower-case letters, digits and
 * hyphens; not starting with `aws`, `xn--`, `sthree-` or `amzn-s3-demo-`), checked here so a bad
 * name fails `cdk synth` instead of the deployment.
 */
export function tableBucketName(stackName: string): string {
  const name = `${stackName.toLowerCase()}-tables`;
  if (
    name.length > 63 ||
    /^(aws|xn--|sthree-|amzn-s3-demo-)/.test(name) ||
    !/^[a-z0-9][a-z0-9-]*$/.test(name)
  ) {
    throw new ConfigError(
      "lakestream.stackPrefix",
      `the S3 Tables table bucket "${name}" (stack name + "-tables") breaks the table bucket naming rules: at most 63 characters, not starting with "aws"`,
    );
  }
  return name;
}
