import { Match, type Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stageFunction, stagePolicies, type TemplateJson } from "./helpers/stage-function.ts";
import { type Synthesized, synthesize } from "./helpers/synth.ts";

/** Default config (MSK Serverless created in a new VPC), stand-in handlers, bundling skipped. */
let synth: Synthesized;
let orders: Template;
let audit: Template;
let auditJson: TemplateJson;
let ordersJson: TemplateJson;

beforeAll(() => {
  synth = synthesize();
  orders = synth.template(synth.built.pipelines.orders!);
  audit = synth.template(synth.built.pipelines.audit_log!);
  ordersJson = synth.json(synth.built.pipelines.orders!);
  auditJson = synth.json(synth.built.pipelines.audit_log!);
});
afterAll(() => synth.cleanup());

const lakeLocation = (path: string) => ({
  "Fn::Join": ["", ["s3://", { Ref: Match.stringLikeRegexp("^Lake") }, path]],
});

describe("synthesized with stand-in handlers (fixtures/functions), bundling skipped", () => {
  describe("Glue tables of published data", () => {
    it("leave an Iceberg pipeline's table names to the catalog: only the raw table, as <sink>_raw", () => {
      // The plan stage creates `orders_raw` and `orders_by_country_1h` as Iceberg tables in this database.
      orders.resourceCountIs("AWS::Glue::Table", 1);
      orders.hasResourceProperties("AWS::Glue::Table", {
        DatabaseName: "lakestream",
        TableInput: Match.objectLike({ Name: "orders_raw_raw", TableType: "EXTERNAL_TABLE" }),
      });
    });

    it("add a Hive-layout pipeline's compacted table and each gold table next to its raw table", () => {
      audit.resourceCountIs("AWS::Glue::Table", 4);
      for (const name of ["audit_events", "audit_events_published", "audit_actions_1h", "audit_daily"]) {
        audit.hasResourceProperties("AWS::Glue::Table", {
          DatabaseName: "lakestream",
          TableInput: Match.objectLike({ Name: name, TableType: "EXTERNAL_TABLE" }),
        });
      }
    });

    it("project the Hive-layout compacted table over published/<table>/ with the raw partitions and columns", () => {
      audit.hasResourceProperties("AWS::Glue::Table", {
        TableInput: Match.objectLike({
          Name: "audit_events_published",
          PartitionKeys: [Match.objectLike({ Name: "dt", Type: "string" })],
          Parameters: Match.objectLike({
            "projection.enabled": "true",
            "projection.dt.range": "2026-01-01,NOW",
            "lakestream.kind": "published",
            // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's storage.location.template placeholders
            "storage.location.template": lakeLocation("/published/audit_events/dt=${dt}/"),
          }),
          StorageDescriptor: Match.objectLike({
            Location: lakeLocation("/published/audit_events/"),
            Columns: Match.arrayWith([
              { Name: "actor", Type: "string" },
              { Name: "_offset", Type: "bigint" },
            ]),
          }),
        }),
      });
    });

    it("project each Hive-layout gold table over published/<gold table>/ by time partition, with window, key and measure columns", () => {
      audit.hasResourceProperties("AWS::Glue::Table", {
        TableInput: Match.objectLike({
          Name: "audit_actions_1h",
          PartitionKeys: [Match.objectLike({ Name: "dt" })],
          Parameters: Match.objectLike({
            "projection.dt.type": "date",
            "lakestream.kind": "gold",
            // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's storage.location.template placeholders
            "storage.location.template": lakeLocation("/published/audit_actions_1h/dt=${dt}/"),
          }),
          StorageDescriptor: Match.objectLike({
            Location: lakeLocation("/published/audit_actions_1h/"),
            Columns: [
              { Name: "window_start", Type: "timestamp" },
              { Name: "window_end", Type: "timestamp" },
              { Name: "action", Type: "string" },
              { Name: "events", Type: "bigint" },
              { Name: "actors", Type: "bigint" },
            ],
          }),
        }),
      });
      audit.hasResourceProperties("AWS::Glue::Table", {
        TableInput: Match.objectLike({
          Name: "audit_daily",
          PartitionKeys: [Match.objectLike({ Name: "dt" })],
          StorageDescriptor: Match.objectLike({
            Location: lakeLocation("/published/audit_daily/"),
            SerdeInfo: Match.objectLike({ SerializationLibrary: "org.apache.hive.hcatalog.data.JsonSerDe" }),
          }),
        }),
      });
    });

    it("name the tables in stack outputs: the Iceberg tables, or the Hive-layout Glue tables", () => {
      expect(ordersJson.Outputs?.PublishedTableName?.Value).toBe("lakestream.orders_raw");
      expect(ordersJson.Outputs?.GoldTableNames?.Value).toBe("lakestream.orders_by_country_1h");
      expect(ordersJson.Outputs?.TableName?.Value).toBe("lakestream.orders_raw_raw");
      expect(auditJson.Outputs?.PublishedTableName?.Value).toBe("lakestream.audit_events_published");
      expect(auditJson.Outputs?.GoldTableNames?.Value).toBe(
        "lakestream.audit_actions_1h,lakestream.audit_daily",
      );
      expect(auditJson.Outputs?.TableName?.Value).toBe("lakestream.audit_events");
    });
  });

  describe("publish function", () => {
    it("gets the Kafka settings, the cluster's VPC and write rights on exactly the gold tables' topics", () => {
      const publish = stageFunction(auditJson, "publish")!;
      expect(publish.Environment).toEqual({
        Variables: expect.objectContaining({
          LAKESTREAM_KAFKA_SECURITY: "msk-iam",
          KAFKA_CLUSTER_ARN: expect.anything(),
        }),
      });
      expect(publish.VpcConfig).toEqual({
        SubnetIds: expect.anything(),
        SecurityGroupIds: expect.anything(),
      });
      const policies = stagePolicies(auditJson, "publish");
      for (const action of [
        "kafka:GetBootstrapBrokers",
        "kafka-cluster:Connect",
        "kafka-cluster:WriteData",
      ]) {
        expect(policies).toContain(action);
      }
      expect(policies).toContain("/audit-actions");
      expect(policies).not.toContain("/audit-clean");
      expect(stagePolicies(auditJson, "ingest")).not.toContain("/audit-actions");
    });

    it("stays out of Kafka and its VPC when no gold table writes back", () => {
      const publish = stageFunction(ordersJson, "publish")!;
      const variables = (publish.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(Object.keys(variables).filter((k) => k.includes("KAFKA"))).toEqual([]);
      expect(publish.VpcConfig).toBeUndefined();
      expect(stagePolicies(ordersJson, "publish")).not.toContain("kafka");
    });
  });
});
