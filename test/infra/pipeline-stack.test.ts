import { Annotations, Match, type Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Synthesized, synthesize } from "./helpers/synth.ts";

/** Default config (MSK Serverless created in a new VPC), stand-in handlers, bundling skipped. */
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
  describe("cdk-nag AwsSolutions", () => {
    it("reports no unacknowledged finding for any stack", () => {
      const report = synth.built.nagPack.validateScope(synth.built.app);
      expect(report.violations.map((v) => v.ruleName)).toEqual([]);
      expect(report.success).toBe(true);
    });

    it("leaves no error or warning annotation in any stack", () => {
      for (const stack of [synth.built.shared, ...Object.values(synth.built.pipelines)]) {
        expect(Annotations.fromStack(stack).findError("*", Match.anyValue())).toEqual([]);
        expect(Annotations.fromStack(stack).findWarning("*", Match.anyValue())).toEqual([]);
      }
    });
  });

  describe("Lambda functions", () => {
    it("run Node 24 on ARM64 with the ESM bundle, Powertools settings and a log group with retention", () => {
      orders.resourcePropertiesCountIs("AWS::Lambda::Function", { Runtime: "nodejs24.x" }, 6);
      orders.hasResourceProperties("AWS::Lambda::Function", {
        Runtime: "nodejs24.x",
        Architectures: ["arm64"],
        Handler: "index.handler",
        MemorySize: 1024,
        Timeout: 300,
        LoggingConfig: { LogFormat: "JSON", LogGroup: Match.anyValue() },
        Environment: {
          Variables: Match.objectLike({
            PIPELINE: "orders",
            LAKE_BUCKET: { Ref: Match.stringLikeRegexp("^Lake") },
            LOG_LEVEL: "INFO",
            POWERTOOLS_SERVICE_NAME: "lakestream-ingest",
            POWERTOOLS_METRICS_NAMESPACE: "Lakestream",
            POWERTOOLS_LOG_LEVEL: "INFO",
            // A small young generation: planning a batch no longer grows the heap 8x the batch.
            NODE_OPTIONS: "--enable-source-maps --max-semi-space-size=4",
          }),
        },
        Tags: Match.arrayWith([{ Key: "lakestream:stage", Value: "ingest" }]),
      });
      orders.resourcePropertiesCountIs("AWS::Logs::LogGroup", { RetentionInDays: 30 }, 7);
      // The later stages keep V8's defaults: only the ingest was measured with the smaller heap.
      orders.hasResourceProperties("AWS::Lambda::Function", {
        Environment: {
          Variables: Match.objectLike({
            POWERTOOLS_SERVICE_NAME: "lakestream-compact",
            NODE_OPTIONS: "--enable-source-maps",
          }),
        },
      });
    });

    it("get roles without any AWS managed policy (those let a function write to every log group)", () => {
      for (const template of [orders, audit]) {
        const roles = template.findResources("AWS::IAM::Role");
        const managed = Object.values(roles).flatMap(
          (r) => (r.Properties.ManagedPolicyArns ?? []) as unknown[],
        );
        expect(managed).toEqual([]);
      }
    });
  });

  describe("Kafka event source mappings", () => {
    it("read each topic with its own consumer group, provisioned pollers and error handling", () => {
      orders.resourceCountIs("AWS::Lambda::EventSourceMapping", 2);
      for (const topic of ["orders", "orders-retry"]) {
        orders.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
          Topics: [topic],
          AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: `lakestream-orders-${topic}` },
          EventSourceArn: Match.anyValue(),
          BatchSize: 1000,
          MaximumBatchingWindowInSeconds: 10,
          StartingPosition: "TRIM_HORIZON",
          FunctionResponseTypes: ["ReportBatchItemFailures"],
          BisectBatchOnFunctionError: true,
          MaximumRetryAttempts: 10,
          ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: 10 },
          DestinationConfig: {
            OnFailure: { Destination: { "Fn::GetAtt": [Match.stringLikeRegexp("^Lake"), "Arn"] } },
          },
        });
      }
    });

    it("grant MSK IAM read rights on exactly the cluster, the topics and the consumer groups", () => {
      const policies = JSON.stringify(orders.findResources("AWS::IAM::Policy"));
      for (const action of ["kafka-cluster:Connect", "kafka-cluster:ReadData", "kafka-cluster:AlterGroup"]) {
        expect(policies).toContain(action);
      }
      expect(policies).toContain(":topic/");
      expect(policies).toContain("/orders-retry");
      expect(policies).toContain(":group/");
      expect(policies).toContain("/lakestream-orders-orders");
      expect(policies).not.toContain("kafka-cluster:WriteData");
    });

    it("put a write-back pipeline's ingest in the Kafka VPC with produce rights and broker settings", () => {
      audit.hasResourceProperties("AWS::Lambda::Function", {
        VpcConfig: { SubnetIds: Match.anyValue(), SecurityGroupIds: Match.anyValue() },
        Environment: {
          Variables: Match.objectLike({
            LAKESTREAM_KAFKA_SECURITY: "msk-iam",
            KAFKA_CLUSTER_ARN: Match.anyValue(),
          }),
        },
      });
      expect(JSON.stringify(audit.findResources("AWS::IAM::Policy"))).toContain("kafka-cluster:WriteData");
    });
  });

  describe("lake bucket", () => {
    it("is encrypted, TLS-only, private, logged to a separate bucket, with lifecycle rules", () => {
      orders.resourceCountIs("AWS::S3::Bucket", 2);
      orders.hasResourceProperties("AWS::S3::Bucket", {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] },
        LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp("AccessLogs") } },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
              Status: "Enabled",
            }),
            Match.objectLike({ Prefix: "_quarantine/", ExpirationInDays: 30 }),
            Match.objectLike({ Prefix: "aws/lambda/", ExpirationInDays: 30 }),
          ]),
        },
      });
      audit.hasResourceProperties("AWS::S3::Bucket", {
        LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Prefix: "_bad/audit/" })]) },
      });
      orders.hasResource("AWS::S3::Bucket", { DeletionPolicy: "Retain", UpdateReplacePolicy: "Retain" });
    });

    it("denies requests without TLS 1.2", () => {
      const policies = JSON.stringify(orders.findResources("AWS::S3::BucketPolicy"));
      expect(policies).toContain('"aws:SecureTransport":"false"');
      expect(policies).toContain('"s3:TlsVersion":1.2');
    });
  });

  describe("shared stack", () => {
    it("creates the Glue database, an encrypted alarm topic, and MSK Serverless in a private VPC", () => {
      const shared = synth.template(synth.built.shared);
      shared.hasResourceProperties("AWS::Glue::Database", { DatabaseInput: { Name: "lakestream" } });
      shared.hasResourceProperties("AWS::SNS::Topic", { KmsMasterKeyId: Match.anyValue() });
      shared.hasResourceProperties("AWS::KMS::Key", { EnableKeyRotation: true });
      shared.hasResourceProperties("AWS::MSK::ServerlessCluster", {
        ClientAuthentication: { Sasl: { Iam: { Enabled: true } } },
      });
      shared.resourceCountIs("AWS::EC2::NatGateway", 0);
      shared.resourceCountIs("AWS::EC2::FlowLog", 1);
      for (const service of ["lambda", "sts", "kafka"]) {
        shared.hasResourceProperties("AWS::EC2::VPCEndpoint", {
          ServiceName: Match.objectLike({ "Fn::Join": Match.arrayWith([Match.arrayWith([`.${service}`])]) }),
        });
      }
    });
  });
});
