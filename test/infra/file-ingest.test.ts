import { Match } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertFileSourcePrefix } from "../../infra/lake-layout.ts";
import { ConfigError } from "../../shared/core/errors.ts";
import { definePipeline } from "../../shared/core/pipeline/define-pipeline.ts";
import { clicks, filePipelines, sensors } from "./fixtures/file-pipelines.ts";
import { stageFunction, stagePolicies, type TemplateJson } from "./helpers/stage-function.ts";
import { type Synthesized, synthesize } from "./helpers/synth.ts";

/** Files in the lake bucket (default) and in a bucket of the deployment's own. */
let inLake: Synthesized;
let ownBucket: Synthesized;

beforeAll(() => {
  inLake = synthesize({ pipelines: filePipelines });
  ownBucket = synthesize({
    pipelines: filePipelines,
    lakestream: { files: { bucketName: "landing-zone-123" } },
  });
});
afterAll(() => {
  inLake?.cleanup();
  ownBucket?.cleanup();
});

const json = (s: Synthesized, name: string) => s.json(s.built.pipelines[name]!) as TemplateJson;
const ofType = (t: TemplateJson, type: string) => Object.values(t.Resources).filter((r) => r.Type === type);

describe("the file source in AWS (synthesized offline)", () => {
  it("routes the bucket's Object Created events under the prefix to an encrypted queue with a dead-letter queue", () => {
    const template = inLake.template(inLake.built.pipelines.sensors!);
    template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: {
        source: ["aws.s3"],
        "detail-type": ["Object Created"],
        detail: { bucket: { name: [Match.anyValue()] }, object: { key: [{ prefix: "landing/sensors/" }] } },
      },
      Targets: [Match.objectLike({ DeadLetterConfig: Match.anyValue(), RetryPolicy: Match.anyValue() })],
    });
    const queues = ofType(json(inLake, "sensors"), "AWS::SQS::Queue");
    const main = queues.find((q) => q.Properties.RedrivePolicy !== undefined)!;
    expect(main.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 6 * 900,
      RedrivePolicy: { maxReceiveCount: 5 },
    });
    // Every queue refuses plain HTTP.
    expect(JSON.stringify(ofType(json(inLake, "sensors"), "AWS::SQS::QueuePolicy"))).toContain(
      "aws:SecureTransport",
    );
    // The lake bucket sends its events to EventBridge, set as a property (no custom resource).
    template.hasResourceProperties("AWS::S3::Bucket", {
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
    });
    template.resourceCountIs("Custom::S3BucketNotifications", 0);
  });

  it("feeds the files function through an SQS event source with partial batch responses, alarmed when messages dead-letter", () => {
    const template = inLake.template(inLake.built.pipelines.sensors!);
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      BatchSize: 2,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      EventSourceArn: Match.anyValue(),
    });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ApproximateNumberOfMessagesVisible",
      AlarmDescription: Match.stringLikeRegexp("files could not be ingested"),
    });
    const fn = stageFunction(json(inLake, "sensors"), "ingest-files")!;
    expect(JSON.stringify((fn.Environment as { Variables: object }).Variables)).toContain("FILES_QUEUE_URL");
    // A files-only pipeline has no Kafka ingest; a pipeline with both has both.
    expect(stageFunction(json(inLake, "sensors"), "ingest")).toBeUndefined();
    expect(stageFunction(json(inLake, "clicks"), "ingest")).toBeDefined();
    expect(stageFunction(json(inLake, "clicks"), "ingest-files")).toBeDefined();
  });

  it("lets the files function read only its prefix, send only to its queue, and write only the ingest's lake prefixes", () => {
    const policies = stagePolicies(json(inLake, "sensors"), "ingest-files");
    expect(policies).toContain("/landing/sensors/*");
    expect(policies).toContain("s3:GetObjectVersion");
    expect(policies).toContain("sqs:SendMessage");
    expect(policies).toContain("/_lakestream/files/sensor_readings/*");
    expect(policies).not.toContain("s3:DeleteObject");
    expect(policies).not.toMatch(/warehouse\//);
    // The bucket of its own: objects and listing of the prefix only.
    const own = stagePolicies(json(ownBucket, "sensors"), "ingest-files");
    expect(own).toContain("arn:");
    expect(own).toContain("landing-zone-123/landing/sensors/*");
    expect(own).toContain('"s3:prefix":["landing/sensors/*"]');
    // The lake bucket then needs no EventBridge notifications of its own.
    ownBucket
      .template(ownBucket.built.pipelines.sensors!)
      .resourcePropertiesCountIs("AWS::S3::Bucket", { NotificationConfiguration: Match.anyValue() }, 0);
  });

  it("passes cdk-nag with nothing left unacknowledged, in both layouts", () => {
    expect(inLake.built.nagPack.validateScope(inLake.built.app).violations).toEqual([]);
    expect(ownBucket.built.nagPack.validateScope(ownBucket.built.app).violations).toEqual([]);
  });

  it("refuses a source prefix in the lake bucket that overlaps what lakestream writes, naming the field", () => {
    for (const prefix of [
      "",
      "landing",
      "sensor_readings/in/",
      "_lakestream/x/",
      "_quarantine/x/",
      "warehouse/x/",
    ]) {
      const p = definePipeline({ ...sensors, source: { ...sensors.source, files: { prefix } } } as never);
      expect(() => assertFileSourcePrefix(p), prefix).toThrow(ConfigError);
      try {
        assertFileSourcePrefix(p);
      } catch (e) {
        expect((e as ConfigError).field).toBe("pipeline(sensors).source.files.prefix");
      }
    }
    expect(() => assertFileSourcePrefix(clicks)).not.toThrow();
  });
});
