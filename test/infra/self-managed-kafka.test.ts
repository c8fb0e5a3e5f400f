import { Annotations, Match, type Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stageFunction, stagePolicies } from "./helpers/stage-function.ts";
import { type Synthesized, synthesize } from "./helpers/synth.ts";

const SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:kafka-users-AbCdEf";
const CA = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:kafka-ca-AbCdEf";

/** Self-managed Kafka in an existing VPC, KMS lake, ERROR-level run logs, on-demand pollers. */
let synth: Synthesized;
let orders: Template;
let audit: Template;

beforeAll(() => {
  synth = synthesize({
    lakestream: {
      stackPrefix: "Acme",
      kafka: {
        mode: "self-managed",
        bootstrapServers: ["b-1.kafka.internal:9096", "b-2.kafka.internal:9096"],
        secretArn: SECRET,
        rootCaSecretArn: CA,
        vpc: {
          vpcId: "vpc-0123456789abcdef0",
          availabilityZones: ["eu-west-1a", "eu-west-1b"],
          subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
          securityGroupIds: ["sg-0123456789abcdef0"],
        },
      },
      ingest: {
        provisionedPollers: false,
        filters: [{ value: { type: ["order"] } }],
        startingPosition: "LATEST",
      },
      lake: { encryption: "kms", removalPolicy: "destroy" },
      observability: { stateMachineLogLevel: "ERROR", alarmEmail: "oncall@example.com", logRetentionDays: 7 },
    },
  });
  orders = synth.template(synth.built.pipelines.orders!);
  audit = synth.template(synth.built.pipelines.audit_log!);
});
afterAll(() => synth.cleanup());

describe("synthesized with stand-in handlers (fixtures/functions), bundling skipped", () => {
  describe("self-managed Kafka", () => {
    it("reads over SASL/SCRAM with the CA certificate from inside the configured VPC, with filters", () => {
      orders.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
        Topics: ["orders"],
        StartingPosition: "LATEST",
        SelfManagedEventSource: {
          Endpoints: { KafkaBootstrapServers: ["b-1.kafka.internal:9096", "b-2.kafka.internal:9096"] },
        },
        SelfManagedKafkaEventSourceConfig: { ConsumerGroupId: "lakestream-orders-orders" },
        SourceAccessConfigurations: Match.arrayWith([{ Type: "SASL_SCRAM_512_AUTH", URI: SECRET }]),
        FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ value: { type: ["order"] } }) }] },
      });
      const mapping = Object.values(orders.findResources("AWS::Lambda::EventSourceMapping"))[0]!;
      expect(mapping.Properties.SourceAccessConfigurations).toEqual(
        expect.arrayContaining([
          { Type: "SERVER_ROOT_CA_CERTIFICATE", URI: CA },
          { Type: "VPC_SUBNET", URI: "subnet-0123456789abcdef0" },
          { Type: "VPC_SUBNET", URI: "subnet-0123456789abcdef1" },
          { Type: "VPC_SECURITY_GROUP", URI: "sg-0123456789abcdef0" },
        ]),
      );
    });

    it("leaves out the provisioned-mode-only error handling with on-demand pollers, and says so", () => {
      const mappings = Object.values(orders.findResources("AWS::Lambda::EventSourceMapping"));
      expect(mappings).toHaveLength(2);
      for (const m of mappings) {
        for (const key of [
          "ProvisionedPollerConfig",
          "FunctionResponseTypes",
          "MaximumRetryAttempts",
          "BisectBatchOnFunctionError",
        ]) {
          expect(m.Properties[key]).toBeUndefined();
        }
        expect(m.Properties.DestinationConfig).toBeDefined();
      }
      // The only warning of the stack: the imported subnets' route-table warnings are acknowledged.
      const warnings = Annotations.fromStack(synth.built.pipelines.orders!).findWarning(
        "*",
        Match.anyValue(),
      );
      expect(warnings.map((w) => String(w.entry.data))).toEqual([
        expect.stringContaining("provisionedPollers is false"),
      ]);
    });

    it("gives a write-back ingest the brokers and secret ARNs, never the credentials themselves", () => {
      audit.hasResourceProperties("AWS::Lambda::Function", {
        Environment: {
          Variables: Match.objectLike({
            KAFKA_BROKERS: "b-1.kafka.internal:9096,b-2.kafka.internal:9096",
            LAKESTREAM_KAFKA_SECURITY: "scram-sha-512",
            LAKESTREAM_KAFKA_TLS: "1",
            LAKESTREAM_KAFKA_SECRET_ARN: SECRET,
            LAKESTREAM_KAFKA_CA_SECRET_ARN: CA,
          }),
        },
        VpcConfig: {
          SubnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
          SecurityGroupIds: ["sg-0123456789abcdef0"],
        },
      });
      expect(JSON.stringify(audit.findResources("AWS::Lambda::Function"))).not.toMatch(/PASSWORD|USERNAME/);
    });

    it("gives the publish function of a gold table with write-back the same brokers, secrets and VPC", () => {
      const json = synth.json(synth.built.pipelines.audit_log!);
      const publish = stageFunction(json, "publish")!;
      expect(publish.Environment).toEqual({
        Variables: expect.objectContaining({
          KAFKA_BROKERS: "b-1.kafka.internal:9096,b-2.kafka.internal:9096",
          LAKESTREAM_KAFKA_SECURITY: "scram-sha-512",
          LAKESTREAM_KAFKA_TLS: "1",
          LAKESTREAM_KAFKA_SECRET_ARN: SECRET,
          LAKESTREAM_KAFKA_CA_SECRET_ARN: CA,
        }),
      });
      expect(publish.VpcConfig).toEqual({
        SubnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
        SecurityGroupIds: ["sg-0123456789abcdef0"],
      });
      const policies = stagePolicies(json, "publish");
      expect(policies).toContain("secretsmanager:GetSecretValue");
      expect(policies).toContain(SECRET);
      expect(policies).toContain(CA);
      // The orders pipeline's gold table does not write back: its publish function reads no secret.
      expect(stagePolicies(synth.json(synth.built.pipelines.orders!), "publish")).not.toContain(
        "secretsmanager",
      );
    });

    it("creates no cluster, VPC or endpoint of its own", () => {
      const shared = synth.template(synth.built.shared);
      for (const type of ["AWS::MSK::ServerlessCluster", "AWS::EC2::VPC", "AWS::EC2::VPCEndpoint"])
        shared.resourceCountIs(type, 0);
    });
  });

  describe("other settings", () => {
    it("encrypt the lake with a rotated KMS key and delete it on destroy", () => {
      orders.hasResourceProperties("AWS::S3::Bucket", {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            {
              ServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: Match.anyValue() },
              BucketKeyEnabled: true,
            },
          ],
        },
      });
      orders.hasResourceProperties("AWS::KMS::Key", { EnableKeyRotation: true });
      orders.hasResource("AWS::S3::Bucket", { DeletionPolicy: "Delete" });
      orders.resourcePropertiesCountIs("AWS::Logs::LogGroup", { RetentionInDays: 7 }, 7);
    });

    it("log runs at ERROR level by choice, which cdk-nag accepts only with the acknowledgement", () => {
      orders.hasResourceProperties("AWS::StepFunctions::StateMachine", {
        LoggingConfiguration: Match.objectLike({ Level: "ERROR" }),
      });
      const report = synth.built.nagPack.validateScope(synth.built.app);
      expect(report.violations.map((v) => v.ruleName)).toEqual([]);
    });

    it("name stacks by the prefix and mail alarms to the on-call address", () => {
      expect(synth.built.shared.stackName).toBe("Acme-Shared");
      expect(synth.built.pipelines.audit_log!.stackName).toBe("Acme-audit-log");
      synth.template(synth.built.shared).hasResourceProperties("AWS::SNS::Subscription", {
        Protocol: "email",
        Endpoint: "oncall@example.com",
      });
    });
  });
});
