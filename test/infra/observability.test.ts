import { Match, type Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stagePolicies, type TemplateJson } from "./helpers/stage-function.ts";
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

const STAGES = ["ingest", "plan", "compact", "aggregate", "publish"];

describe("tracing", () => {
  it("is active on every function, which may send segments and keeps responses out of them", () => {
    for (const template of [orders, audit]) {
      const functions = Object.values(template.findResources("AWS::Lambda::Function"));
      expect(functions).toHaveLength(6);
      for (const fn of functions) {
        expect(fn.Properties.TracingConfig).toEqual({ Mode: "Active" });
        expect(fn.Properties.Environment.Variables.POWERTOOLS_TRACER_CAPTURE_RESPONSE).toBe("false");
      }
    }
    const json = synth.json(synth.built.pipelines.orders!) as TemplateJson;
    for (const stage of STAGES) expect(stagePolicies(json, stage)).toContain("xray:PutTraceSegments");
  });
});

describe("Kafka event source mappings", () => {
  it("publish every metric group (event counts, errors, offset lag)", () => {
    orders.resourcePropertiesCountIs(
      "AWS::Lambda::EventSourceMapping",
      { MetricsConfig: { Metrics: ["EventCount", "ErrorCount", "KafkaMetrics"] } },
      2,
    );
  });
});

describe("alarms", () => {
  const topic = Match.arrayWith([
    Match.objectLike({ "Fn::GetStackOutput": Match.objectLike({ StackName: "Lakestream-Shared" }) }),
  ]);

  it("fire when Lambda gives up on records of a topic, or cannot write them to the lake", () => {
    for (const t of ["orders", "orders-retry"]) {
      orders.hasResourceProperties("AWS::CloudWatch::Alarm", {
        AlarmDescription: Match.stringLikeRegexp(`gave up on records of topic ${t} `),
        Threshold: 1,
        AlarmActions: topic,
        Metrics: Match.arrayWith([
          Match.objectLike({ Expression: Match.stringLikeRegexp("FILL\\(delivered\\d, 0\\)") }),
          ...[
            "OnFailureDestinationDeliveredEventCount",
            "DroppedEventCount",
            "OnFailureDestinationDeliveryErrorCount",
          ].map((name) =>
            Match.objectLike({
              MetricStat: Match.objectLike({
                Metric: Match.objectLike({
                  MetricName: name,
                  Namespace: "AWS/Lambda",
                  Dimensions: [
                    {
                      Name: "EventSourceMappingUUID",
                      Value: { Ref: Match.stringLikeRegexp("KafkaEventSource") },
                    },
                  ],
                }),
              }),
            }),
          ),
        ]),
      });
    }
    orders.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "DestinationDeliveryFailures",
      Namespace: "AWS/Lambda",
      AlarmActions: topic,
    });
  });

  it("fire on failed runs, and when no run succeeded for 3 hours (hourly) or 26 hours (daily)", () => {
    orders.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ExecutionsFailed",
      AlarmActions: topic,
    });
    for (const [template, hours] of [
      [orders, 3],
      [audit, 26],
    ] as const) {
      template.hasResourceProperties("AWS::CloudWatch::Alarm", {
        Namespace: "AWS/States",
        MetricName: "ExecutionsSucceeded",
        Statistic: "Sum",
        Period: hours * 3600,
        ComparisonOperator: "LessThanThreshold",
        Threshold: 1,
        TreatMissingData: "breaching",
        AlarmActions: topic,
      });
    }
  });

  it("fire when the Scheduler puts a run it could not start in its dead-letter queue", () => {
    orders.hasResourceProperties("AWS::Scheduler::Schedule", {
      Target: Match.objectLike({
        DeadLetterConfig: { Arn: { "Fn::GetAtt": [Match.stringLikeRegexp("^ScheduleDeadLetters"), "Arn"] } },
      }),
    });
    orders.hasResourceProperties("AWS::SQS::Queue", {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    orders.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/SQS",
      MetricName: "ApproximateNumberOfMessagesVisible",
      Dimensions: [
        {
          Name: "QueueName",
          Value: { "Fn::GetAtt": [Match.stringLikeRegexp("^ScheduleDeadLetters"), "QueueName"] },
        },
      ],
      AlarmActions: topic,
    });
  });
});

describe("log permissions", () => {
  it("let each function write only to its own log group", () => {
    const json = synth.json(synth.built.pipelines.audit_log!) as TemplateJson;
    const seen = new Set<string>();
    for (const [id, r] of Object.entries(json.Resources)) {
      if (r.Type !== "AWS::IAM::Policy") continue;
      for (const st of (
        r.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }
      ).Statement) {
        if (![st.Action].flat().some((a) => String(a).startsWith("logs:"))) continue;
        if (!id.match(/^(Ingest|Plan|Compact|Aggregate|Publish)Role/)) continue;
        const stage = id.match(/^(\w+?)Role/)![1]!;
        expect(st.Resource, id).toEqual({ "Fn::GetAtt": [expect.stringMatching(`^${stage}Logs`), "Arn"] });
        seen.add(stage);
      }
    }
    expect([...seen].sort()).toEqual(["Aggregate", "Compact", "Ingest", "Plan", "Publish"]);
  });
});
