import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogFromEnv } from "../../shared/catalog/open-catalog.ts";
import { stageFunction, type TemplateJson } from "./helpers/stage-function.ts";
import {
  resolveTokens,
  type Statement,
  serviceStatements,
  stageEnvironment,
} from "./helpers/stage-statements.ts";
import { type Synthesized, synthesize } from "./helpers/synth.ts";

/**
 * Stand-in handlers for every stage, bundling skipped. `orders` publishes Iceberg tables (the
 * events table `orders_raw` and the gold table `orders_by_country_1h`), `audit_log` Hive-layout
 * tables. Synthesized with the default catalog (Glue) and with `catalog.type: "s3tables"`.
 */
let glue: Synthesized;
let s3tables: Synthesized;
let gOrders: TemplateJson;
let gAudit: TemplateJson;
let tOrders: TemplateJson;
let tAudit: TemplateJson;

beforeAll(() => {
  glue = synthesize();
  gOrders = glue.json(glue.built.pipelines.orders!) as TemplateJson;
  gAudit = glue.json(glue.built.pipelines.audit_log!) as TemplateJson;
  s3tables = synthesize({ lakestream: { catalog: { type: "s3tables" } } });
  tOrders = s3tables.json(s3tables.built.pipelines.orders!) as TemplateJson;
  tAudit = s3tables.json(s3tables.built.pipelines.audit_log!) as TemplateJson;
});
afterAll(() => {
  glue.cleanup();
  s3tables.cleanup();
});

/** What CloudFormation fills in, for a deployment in eu-west-1 of account 123456789012. */
const DEPLOYED = {
  "AWS::Region": "eu-west-1",
  "AWS::URLSuffix": "amazonaws.com",
  "AWS::AccountId": "123456789012",
  "AWS::Partition": "aws",
  "CatalogTableBucket[0-9A-F]{8}\\.TableBucketARN":
    "arn:aws:s3tables:eu-west-1:123456789012:bucket/lakestream-orders-tables",
};
const CATALOG_STAGES = ["plan", "compact", "aggregate", "publish", "maintain"] as const;
const catalogVariables = (env: Record<string, unknown>) =>
  Object.keys(env).filter((k) => k.startsWith("CATALOG_"));
/** The catalog variables of an environment, as the deployed function sees them. */
const resolved = (env: Record<string, unknown>) =>
  Object.fromEntries(catalogVariables(env).map((k) => [k, resolveTokens(env[k], DEPLOYED)]));
const actions = (statements: Statement[]) => statements.flatMap((s) => [s.Action].flat()).sort();
const resources = (s: Statement) => [s.Resource].flat().map((r) => resolveTokens(r, DEPLOYED));

describe("stage function environment (the contract catalogFromEnv parses)", () => {
  it("points every later stage of an Iceberg pipeline at Glue's Iceberg REST endpoint, signed for glue, warehouse = the account", () => {
    for (const stage of CATALOG_STAGES) {
      const env = resolved(stageEnvironment(gOrders, stage));
      expect(env).toMatchObject({
        CATALOG_TYPE: "rest",
        CATALOG_URI: "https://glue.eu-west-1.amazonaws.com/iceberg",
        CATALOG_WAREHOUSE: "123456789012",
        CATALOG_SIGNING: "glue",
        CATALOG_NAMESPACE: "lakestream",
      });
      expect(catalogFromEnv({ ...env, AWS_REGION: "eu-west-1" })).toEqual({
        config: {
          type: "rest",
          uri: "https://glue.eu-west-1.amazonaws.com/iceberg",
          warehouse: "123456789012",
          signing: "glue",
          region: "eu-west-1",
        },
        namespace: "lakestream",
      });
    }
  });

  it("points them at the S3 Tables endpoint, signed for s3tables, warehouse = the stack's table bucket", () => {
    for (const stage of ["plan", "compact", "aggregate", "publish"]) {
      const env = resolved(stageEnvironment(tOrders, stage));
      expect(catalogFromEnv(env)).toEqual({
        config: {
          type: "rest",
          uri: "https://s3tables.eu-west-1.amazonaws.com/iceberg",
          warehouse: "arn:aws:s3tables:eu-west-1:123456789012:bucket/lakestream-orders-tables",
          signing: "s3tables",
        },
        namespace: "lakestream",
      });
    }
    // S3 Tables maintains its tables itself and its storage takes no deletes: no maintain function.
    expect(stageFunction(tOrders, "maintain")).toBeUndefined();
  });

  it("gives the ingest and every stage of a Hive-layout pipeline no catalog settings", () => {
    for (const template of [gOrders, tOrders])
      expect(catalogVariables(stageEnvironment(template, "ingest"))).toEqual([]);
    for (const template of [gAudit, tAudit]) {
      for (const stage of ["ingest", ...CATALOG_STAGES])
        expect(catalogVariables(stageEnvironment(template, stage))).toEqual([]);
    }
  });
});

describe("IAM for the Glue Iceberg REST endpoint", () => {
  const glueArns = [
    "arn:aws:glue:eu-west-1:123456789012:catalog",
    "arn:aws:glue:eu-west-1:123456789012:database/lakestream",
    "arn:aws:glue:eu-west-1:123456789012:table/lakestream/orders_raw",
    "arn:aws:glue:eu-west-1:123456789012:table/lakestream/orders_by_country_1h",
  ];

  it("lets plan load, create and evolve exactly the pipeline's tables", () => {
    const statements = serviceStatements(gOrders, "plan", "glue:");
    expect(statements).toHaveLength(1);
    expect(actions(statements)).toEqual(
      ["glue:CreateTable", "glue:GetCatalog", "glue:GetDatabase", "glue:GetTable", "glue:UpdateTable"].sort(),
    );
    expect(resources(statements[0]!).sort()).toEqual([...glueArns].sort());
  });

  it("lets publish and maintain load and commit them, never create", () => {
    for (const stage of ["publish", "maintain"]) {
      const statements = serviceStatements(gOrders, stage, "glue:");
      expect(actions(statements)).toEqual(
        ["glue:GetCatalog", "glue:GetDatabase", "glue:GetTable", "glue:UpdateTable"].sort(),
      );
      expect(resources(statements[0]!).sort()).toEqual([...glueArns].sort());
    }
  });

  it("gives compact, aggregate, ingest and every Hive-layout role no Glue action", () => {
    for (const stage of ["ingest", "compact", "aggregate"])
      expect(serviceStatements(gOrders, stage, "glue:")).toEqual([]);
    for (const stage of ["ingest", ...CATALOG_STAGES])
      expect(serviceStatements(gAudit, stage, "glue:")).toEqual([]);
  });

  it("grants no wildcard action and no Glue action on every resource", () => {
    const policies = Object.values(gOrders.Resources).filter((r) => r.Type === "AWS::IAM::Policy");
    const statements = policies.flatMap(
      (p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
    );
    for (const s of statements.filter((x) => actions([x]).some((a) => a.startsWith("glue:")))) {
      expect(actions([s]).every((a) => !a.includes("*"))).toBe(true);
      expect(resources(s)).not.toContain("*");
    }
  });
});

describe("IAM for the S3 Tables Iceberg REST endpoint", () => {
  const bucket = "arn:aws:s3tables:eu-west-1:123456789012:bucket/lakestream-orders-tables";
  const byResource = (stage: string) =>
    Object.fromEntries(
      serviceStatements(tOrders, stage, "s3tables:").map((s) => [
        resources(s).join(","),
        { actions: actions([s]), condition: s.Condition },
      ]),
    );

  it("lets plan read the bucket and namespace, create tables in the namespace only, and commit them", () => {
    expect(byResource("plan")).toEqual({
      [bucket]: expect.anything(),
      [`${bucket}/table/*`]: {
        actions: [
          "s3tables:GetTableData",
          "s3tables:GetTableMetadataLocation",
          "s3tables:PutTableData",
          "s3tables:UpdateTableMetadataLocation",
        ],
        condition: undefined,
      },
    });
    const onBucket = serviceStatements(tOrders, "plan", "s3tables:").filter(
      (s) => resources(s).join() === bucket,
    );
    expect(onBucket.map((s) => ({ actions: actions([s]), condition: s.Condition }))).toEqual(
      expect.arrayContaining([
        { actions: ["s3tables:GetNamespace", "s3tables:GetTableBucket"], condition: undefined },
        {
          actions: ["s3tables:CreateTable"],
          condition: { StringEquals: { "s3tables:namespace": "lakestream" } },
        },
      ]),
    );
    expect(onBucket).toHaveLength(2);
  });

  it("lets compact and aggregate only read and write table data, and publish commit", () => {
    for (const stage of ["compact", "aggregate"])
      expect(byResource(stage)).toEqual({
        [`${bucket}/table/*`]: {
          actions: ["s3tables:GetTableData", "s3tables:PutTableData"],
          condition: undefined,
        },
      });
    expect(byResource("publish")).toEqual({
      [bucket]: { actions: ["s3tables:GetTableBucket"], condition: undefined },
      [`${bucket}/table/*`]: {
        actions: [
          "s3tables:GetTableData",
          "s3tables:GetTableMetadataLocation",
          "s3tables:PutTableData",
          "s3tables:UpdateTableMetadataLocation",
        ],
        condition: undefined,
      },
    });
  });

  it("grants no delete, no wildcard action, and nothing of S3 Tables to the ingest or a Hive-layout pipeline", () => {
    for (const stage of ["plan", "compact", "aggregate", "publish"]) {
      const granted = actions(serviceStatements(tOrders, stage, "s3tables:"));
      expect(granted.filter((a) => a.includes("Delete") || a.includes("*"))).toEqual([]);
    }
    expect(serviceStatements(tOrders, "ingest", "s3tables:")).toEqual([]);
    for (const stage of ["ingest", ...CATALOG_STAGES])
      expect(serviceStatements(tAudit, stage, "s3tables:")).toEqual([]);
    expect(JSON.stringify(gOrders.Resources)).not.toContain("s3tables:");
  });
});

describe("S3 Tables resources", () => {
  const ofType = (template: TemplateJson, type: string) =>
    Object.entries(template.Resources).filter(([, r]) => r.Type === type);

  it("give an Iceberg pipeline its own table bucket (SSE-S3, unreferenced files removed, kept on delete) and namespace", () => {
    const buckets = ofType(tOrders, "AWS::S3Tables::TableBucket");
    expect(buckets).toHaveLength(1);
    const [logicalId, bucket] = buckets[0]!;
    expect(bucket.Properties).toEqual({
      TableBucketName: "lakestream-orders-tables",
      EncryptionConfiguration: { SSEAlgorithm: "AES256" },
      // orders keeps orphans 72 hours (maintenance.orphanFileAgeHours); old versions 30 days.
      UnreferencedFileRemoval: { Status: "Enabled", UnreferencedDays: 3, NoncurrentDays: 30 },
      Tags: [{ Key: "lakestream:app", Value: "Lakestream" }],
    });
    const raw = tOrders.Resources[logicalId] as unknown as {
      DeletionPolicy?: string;
      UpdateReplacePolicy?: string;
    };
    expect(raw.DeletionPolicy).toBe("Retain");
    expect(raw.UpdateReplacePolicy).toBe("Retain");
    const namespaces = ofType(tOrders, "AWS::S3Tables::Namespace");
    expect(namespaces.map(([, r]) => r.Properties)).toEqual([
      { Namespace: "lakestream", TableBucketARN: { "Fn::GetAtt": [logicalId, "TableBucketARN"] } },
    ]);
    // The Iceberg tables themselves are created by the plan stage, never by CloudFormation.
    expect(ofType(tOrders, "AWS::S3Tables::Table")).toEqual([]);
    expect(tOrders.Outputs?.TableBucketArn?.Value).toEqual({ "Fn::GetAtt": [logicalId, "TableBucketARN"] });
  });

  it("create nothing of S3 Tables for a Hive-layout pipeline or with the Glue catalog", () => {
    for (const template of [tAudit, gOrders, gAudit])
      expect(Object.values(template.Resources).filter((r) => r.Type.startsWith("AWS::S3Tables::"))).toEqual(
        [],
      );
  });

  it("leave no unacknowledged cdk-nag finding", () => {
    const report = s3tables.built.nagPack.validateScope(s3tables.built.app);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
    expect(report.success).toBe(true);
  });
});
