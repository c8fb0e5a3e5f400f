import { Match, type Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Synthesized, synthesize } from "./helpers/synth.ts";

/** Default config, stand-in handlers for every stage, bundling skipped. */
let synth: Synthesized;
let orders: Template;
let audit: Template;

beforeAll(() => {
  synth = synthesize();
  orders = synth.template(synth.built.pipelines.orders!);
  audit = synth.template(synth.built.pipelines.audit_log!);
});
afterAll(() => synth.cleanup());

describe("synthesized with stand-in handlers (fixtures/functions), bundling skipped", () => {
  describe("Glue table", () => {
    it("projects dt, hour and the value column over the Hive layout the ingest writes", () => {
      // An Iceberg pipeline's raw table is `<sink>_raw`: the sink's own name is its Iceberg table's.
      orders.hasResourceProperties("AWS::Glue::Table", {
        DatabaseName: "lakestream",
        TableInput: {
          Name: "orders_raw_raw",
          TableType: "EXTERNAL_TABLE",
          PartitionKeys: [
            Match.objectLike({ Name: "dt", Type: "string" }),
            Match.objectLike({ Name: "hour", Type: "int" }),
            { Name: "country", Type: "string" },
          ],
          Parameters: Match.objectLike({
            "projection.enabled": "true",
            "projection.dt.type": "date",
            "projection.dt.range": "2026-01-01,NOW",
            "projection.hour.digits": "2",
            "projection.country.type": "injected",
            "storage.location.template": {
              "Fn::Join": [
                "",
                [
                  "s3://",
                  { Ref: Match.stringLikeRegexp("^Lake") },
                  // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's storage.location.template placeholders
                  "/orders_raw/dt=${dt}/hour=${hour}/country=${country}/",
                ],
              ],
            },
          }),
          StorageDescriptor: Match.objectLike({
            SerdeInfo: {
              SerializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
              Parameters: Match.anyValue(),
            },
            Columns: Match.arrayWith([
              { Name: "total", Type: "decimal(12,2)" },
              { Name: "_offset", Type: "bigint" },
            ]),
          }),
        },
      });
    });

    it("uses the JSON SerDe and no hour for a daily JSON Lines sink", () => {
      audit.hasResourceProperties("AWS::Glue::Table", {
        TableInput: Match.objectLike({
          PartitionKeys: [Match.objectLike({ Name: "dt" })],
          StorageDescriptor: Match.objectLike({
            Compressed: true,
            SerdeInfo: Match.objectLike({ SerializationLibrary: "org.apache.hive.hcatalog.data.JsonSerDe" }),
          }),
        }),
      });
    });
  });

  describe("state machine", () => {
    it("is a traced standard state machine in JSONPath that logs ALL events to its own log group", () => {
      orders.hasResourceProperties("AWS::StepFunctions::StateMachine", {
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: {
          Level: "ALL",
          IncludeExecutionData: true,
          Destinations: [
            {
              CloudWatchLogsLogGroup: {
                LogGroupArn: { "Fn::GetAtt": [Match.stringLikeRegexp("^RunsLogs"), "Arn"] },
              },
            },
          ],
        },
      });
      const definition = JSON.stringify(
        Object.values(orders.findResources("AWS::StepFunctions::StateMachine"))[0],
      );
      expect(definition).not.toContain("JSONata");
    });

    it("may invoke exactly the four stage functions and write failure records only under its prefix", () => {
      const policy = JSON.stringify(
        orders.findResources("AWS::IAM::Policy", {
          Properties: { PolicyName: Match.stringLikeRegexp("^RunsStateMachineRole") },
        }),
      );
      for (const fn of ["PlanFunction", "CompactFunction", "AggregateFunction", "PublishFunction"])
        expect(policy).toContain(fn);
      expect(policy).not.toContain("IngestFunction");
      expect(policy).toContain("/_lakestream/failures/orders/*");
    });
  });

  describe("schedule", () => {
    it("starts one run per window, a delay after it closes, in UTC, with the window's time as input", () => {
      orders.hasResourceProperties("AWS::Scheduler::Schedule", {
        ScheduleExpression: "cron(15 * * * ? *)",
        ScheduleExpressionTimezone: "Etc/UTC",
        State: "ENABLED",
        Target: Match.objectLike({
          Arn: { Ref: Match.stringLikeRegexp("^RunsStateMachine") },
          Input: Match.serializedJson({
            pipeline: "orders",
            trigger: "schedule",
            scheduledTime: "<aws.scheduler.scheduled-time>",
          }),
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        }),
      });
      audit.hasResourceProperties("AWS::Scheduler::Schedule", { ScheduleExpression: "cron(15 0 * * ? *)" });
    });
  });

  describe("alarms and dashboard", () => {
    it("alarm on offset lag, quarantined records, function errors and throttles, failed and timed-out runs", () => {
      const topic = Match.arrayWith([
        Match.objectLike({ "Fn::GetStackOutput": Match.objectLike({ StackName: "Lakestream-Shared" }) }),
      ]);
      orders.hasResourceProperties("AWS::CloudWatch::Alarm", {
        Namespace: "AWS/Lambda",
        MetricName: "OffsetLag",
        Statistic: "Maximum",
        Threshold: 100_000,
        AlarmActions: topic,
      });
      orders.hasResourceProperties("AWS::CloudWatch::Alarm", {
        Namespace: "Lakestream",
        MetricName: "Quarantined",
        Dimensions: Match.arrayWith([
          { Name: "pipeline", Value: "orders" },
          { Name: "service", Value: "lakestream-ingest" },
        ]),
        AlarmActions: topic,
      });
      for (const metric of ["ExecutionsFailed", "ExecutionsTimedOut"]) {
        orders.hasResourceProperties("AWS::CloudWatch::Alarm", {
          Namespace: "AWS/States",
          MetricName: metric,
          AlarmActions: topic,
        });
      }
      // Errors and throttles for each of the six functions, plus the four above.
      orders.resourcePropertiesCountIs("AWS::CloudWatch::Alarm", { MetricName: "Errors" }, 6);
      orders.resourcePropertiesCountIs("AWS::CloudWatch::Alarm", { MetricName: "Throttles" }, 6);
      orders.resourcePropertiesCountIs(
        "AWS::CloudWatch::Dashboard",
        { DashboardName: "Lakestream-orders" },
        1,
      );
    });
  });

  describe("stack outputs", () => {
    it("name the bucket, the state machine and the table", () => {
      for (const name of [
        "LakeBucketName",
        "StateMachineArn",
        "TableName",
        "TableLocation",
        "IngestFunctionName",
      ]) {
        orders.hasOutput(name, Match.anyValue());
      }
      orders.hasOutput("TableName", { Value: "lakestream.orders_raw_raw" });
    });
  });
});
