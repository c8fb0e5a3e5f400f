import { CfnOutput, type RemovalPolicy, Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as s3tables from "aws-cdk-lib/aws-s3tables";
import { Construct } from "constructs";
import type { Pipeline } from "../../shared/core/pipeline/types.ts";
import {
  GLUE_ACTIONS,
  S3TABLES_BUCKET_ACTIONS,
  S3TABLES_CREATE_ACTIONS,
  S3TABLES_TABLE_ACTIONS,
  tableBucketName,
} from "../catalog-access.ts";
import type { CatalogConfig } from "../config.ts";
import { publishedTables } from "../lake-layout.ts";
import { acknowledge } from "../nag.ts";
import type { LaterStage } from "./stage-state-machine.ts";

export interface IcebergCatalogProps {
  readonly catalog: CatalogConfig;
  readonly pipeline: Pipeline;
  /** The Iceberg namespace: the Glue database (`glue.databaseName`). */
  readonly namespace: string;
  readonly removalPolicy: RemovalPolicy;
  /** Days S3 Tables keeps a file it found unreferenced before deleting it (S3 Tables only). */
  readonly unreferencedDays: number;
  readonly noncurrentDays: number;
}

/**
 * The catalog a pipeline's Iceberg tables are registered in, as the stage functions see it:
 * the `CATALOG_*` environment `catalogFromEnv` (shared/catalog/open-catalog.ts) parses, and the
 * IAM grants of each stage (infra/catalog-access.ts). The tables themselves are created by the
 * first plan run through the catalog, never by CloudFormation, so their schemas evolve there.
 *
 * Endpoints, signing names and warehouses: the AWS Glue Developer Guide, "Connecting to the Data
 * Catalog using AWS Glue Iceberg REST endpoint" (https://glue.<region>.amazonaws.com/iceberg,
 * signing name `glue`, warehouse = the account id), and the Amazon S3 User Guide, "Accessing
 * tables using the Amazon S3 Tables Iceberg REST endpoint" (https://s3tables.<region>.amazonaws.com/iceberg,
 * signing name `s3tables`, warehouse = the table bucket ARN).
 */
export class IcebergCatalog extends Construct {
  readonly environment: Readonly<Record<string, string>>;
  readonly tableBucket?: s3tables.CfnTableBucket;
  readonly namespaceResource?: s3tables.CfnNamespace;
  readonly #props: IcebergCatalogProps;

  constructor(scope: Construct, id: string, props: IcebergCatalogProps) {
    super(scope, id);
    this.#props = props;
    const stack = Stack.of(this);
    const endpoint = (service: string) => `https://${service}.${stack.region}.${stack.urlSuffix}/iceberg`;
    if (props.catalog.type === "glue") {
      this.environment = {
        CATALOG_TYPE: "rest",
        CATALOG_URI: endpoint("glue"),
        CATALOG_WAREHOUSE: stack.account,
        CATALOG_SIGNING: "glue",
        CATALOG_NAMESPACE: props.namespace,
      };
      return;
    }
    this.tableBucket = new s3tables.CfnTableBucket(this, "TableBucket", {
      tableBucketName: tableBucketName(stack.stackName),
      encryptionConfiguration: { sseAlgorithm: "AES256" },
      // What the maintain stage does for tables in the lake: files no snapshot references are
      // removed after the pipeline's orphan age, then kept as long as the lake keeps old versions.
      // Snapshot expiry keeps S3 Tables' per-table defaults, 1 snapshot and 120 hours (AWS
      // Prescriptive Guidance, "Maintenance in Amazon S3 Tables"), which are lakestream's too.
      unreferencedFileRemoval: {
        status: "Enabled",
        unreferencedDays: props.unreferencedDays,
        noncurrentDays: props.noncurrentDays,
      },
    });
    this.tableBucket.applyRemovalPolicy(props.removalPolicy);
    this.namespaceResource = new s3tables.CfnNamespace(this, "Namespace", {
      namespace: props.namespace,
      tableBucketArn: this.tableBucket.attrTableBucketArn,
    });
    this.namespaceResource.applyRemovalPolicy(props.removalPolicy);
    this.environment = {
      CATALOG_TYPE: "rest",
      CATALOG_URI: endpoint("s3tables"),
      CATALOG_WAREHOUSE: this.tableBucket.attrTableBucketArn,
      CATALOG_SIGNING: "s3tables",
      CATALOG_NAMESPACE: props.namespace,
    };
    new CfnOutput(stack, "TableBucketArn", {
      value: this.tableBucket.attrTableBucketArn,
      description: "S3 Tables table bucket of the published and gold tables",
    });
  }

  /** Gives a stage's role exactly the catalog calls it makes (infra/catalog-access.ts). */
  grant(role: iam.IRole, stage: LaterStage): void {
    const { namespace, pipeline } = this.#props;
    const stack = Stack.of(this);
    if (!this.tableBucket) {
      const actions = GLUE_ACTIONS[stage];
      if (actions.length === 0) return;
      // Glue authorizes a table call on the catalog, the database and the table together.
      const resources = [
        stack.formatArn({ service: "glue", resource: "catalog" }),
        stack.formatArn({ service: "glue", resource: "database", resourceName: namespace }),
        ...icebergTables(pipeline).map((t) =>
          stack.formatArn({ service: "glue", resource: "table", resourceName: `${namespace}/${t}` }),
        ),
      ];
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...actions], resources }));
      return;
    }
    const bucketArn = this.tableBucket.attrTableBucketArn;
    const statements: iam.PolicyStatement[] = [];
    if (S3TABLES_BUCKET_ACTIONS[stage].length > 0)
      statements.push(
        new iam.PolicyStatement({ actions: [...S3TABLES_BUCKET_ACTIONS[stage]], resources: [bucketArn] }),
      );
    if (S3TABLES_CREATE_ACTIONS[stage].length > 0)
      statements.push(
        new iam.PolicyStatement({
          actions: [...S3TABLES_CREATE_ACTIONS[stage]],
          resources: [bucketArn],
          conditions: { StringEquals: { "s3tables:namespace": namespace } },
        }),
      );
    if (S3TABLES_TABLE_ACTIONS[stage].length > 0) {
      statements.push(
        new iam.PolicyStatement({
          actions: [...S3TABLES_TABLE_ACTIONS[stage]],
          resources: [`${bucketArn}/table/*`],
        }),
      );
      acknowledge(
        role,
        "AwsSolutions-IAM5",
        [`Resource::<${stack.getLogicalId(this.tableBucket)}.TableBucketARN>/table/*`],
        `${stage} reads and writes the Iceberg tables of this pipeline's own table bucket, which holds no other tables; a table's ARN ends in an id S3 Tables assigns when the plan stage creates it, so it cannot be named before`,
      );
    }
    for (const s of statements) role.addToPrincipalPolicy(s);
  }
}

/** The pipeline's Iceberg tables: the events table (named like the sink) and the gold tables. */
function icebergTables(pipeline: Pipeline): string[] {
  const { compact, aggregate } = publishedTables(pipeline);
  return [...compact, ...aggregate];
}
