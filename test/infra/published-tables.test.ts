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
    it("add the compacted table and each gold table next to the raw table, in the same database", () => {
      orders.resourceCountIs("AWS::Glue::Table", 3);
      audit.resourceCountIs("AWS::Glue::Table", 4);
      for (const name of ["orders_raw", "orders_raw_published", "orders_by_country_1h"]) {
        orders.hasResourceProperties("AWS::Glue::Table", {
          DatabaseName: "lakestream",
          TableInput: Match.objectLike({ Name: name, TableType: "EXTERNAL_TABLE" }),
        });
      }
    });

    it("project the compacted table over published/<table>/ with the raw partitions and columns", () => {
      orders.hasResourceProperties("AWS::Glue::Table", {
        TableInput: Match.objectLike({
          Name: "orders_raw_published",
          PartitionKeys: [
            Match.objectLike({ Name: "dt", Type: "string" }),
            Match.objectLike({ Name: "hour", Type: "int" }),
            { Name: "country", Type: "string" },
          ],
          Parameters: Match.objectLike({
            "projection.enabled": "true",
            "projection.dt.range": "2026-01-01,NOW",
            "projection.country.type": "injected",
            "lakestream.kind": "published",
            "storage.location.template": lakeLocation(
              // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's storage.location.template placeholders
              "/published/orders_raw/dt=${dt}/hour=${hour}/country=${country}/",
            ),
          }),
          StorageDescriptor: Match.objectLike({
            Location: lakeLocation("/published/orders_raw/"),
            Columns: Match.arrayWith([
              { Name: "total", Type: "decimal(12,2)" },
              { Name: "_offset", Type: "bigint" },
            ]),
          }),
        }),
      });
    });

    it("project each gold table over published/<gold table>/ by time partition, with window, key and measure columns", () => {
      orders.hasResourceProperties("AWS::Glue::Table", {
        TableInput: Match.objectLike({
          Name: "orders_by_country_1h",
          PartitionKeys: [Match.objectLike({ Name: "dt" }), Match.objectLike({ Name: "hour" })],
          Parameters: Match.objectLike({
            "projection.hour.type": "integer",
            "lakestream.kind": "gold",
            "storage.location.template": lakeLocation(
              // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's storage.location.template placeholders
              "/published/orders_by_country_1h/dt=${dt}/hour=${hour}/",
            ),
          }),
          StorageDescriptor: Match.objectLike({
            Location: lakeLocation("/published/orders_by_country_1h/"),
            Columns: [
              { Name: "window_start", Type: "timestamp" },
              { Name: "window_end", Type: "timestamp" },
              { Name: "country", Type: "string" },
              { Name: "orders", Type: "bigint" },
              { Name: "revenue", Type: "decimal(38,2)" },
              { Name: "last_order", Type: "timestamp" },
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

    it("name the tables in stack outputs", () => {
      expect(ordersJson.Outputs?.PublishedTableName?.Value).toBe("lakestream.orders_raw_published");
      expect(ordersJson.Outputs?.GoldTableNames?.Value).toBe("lakestream.orders_by_country_1h");
      expect(auditJson.Outputs?.GoldTableNames?.Value).toBe(
        "lakestream.audit_actions_1h,lakestream.audit_daily",
      );
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
