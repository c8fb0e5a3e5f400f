import { App, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import * as iam from "aws-cdk-lib/aws-iam";
import { describe, expect, it } from "vitest";
import { kafkaConnection } from "../../infra/kafka-connection.ts";
import { grantKafkaWrite, kafkaEnvironment, writeBackTopics } from "../../infra/kafka-environment.ts";
import type { Pipeline } from "../../shared/core/pipeline/types.ts";
import { audit_log, orders } from "./fixtures/pipelines.ts";

const CLUSTER = "arn:aws:kafka:eu-west-1:123456789012:cluster/main/0123abcd-0123-4567-89ab-0123456789ab-1";

describe("write-back to Kafka", () => {
  it("finds the topics each stage produces to: ingest rows, and gold tables at publish", () => {
    expect(writeBackTopics(audit_log, "ingest")).toEqual(["audit-clean"]);
    expect(writeBackTopics(orders, "ingest")).toEqual([]);
    const gold = {
      ...orders,
      aggregations: {
        tables: [{ writeBack: { topic: "orders-hourly" } }, {}, { writeBack: { topic: "orders-hourly" } }],
      },
    } as unknown as Pipeline;
    expect(writeBackTopics(gold, "publish")).toEqual(["orders-hourly"]);
    expect(writeBackTopics(orders, "publish")).toEqual([]);
  });

  it("gives a producer of an existing MSK cluster its ARN and known brokers, and write rights on only its topics", () => {
    const stack = new Stack(new App(), "Probe");
    const connection = kafkaConnection(stack, {
      mode: "msk",
      clusterArn: CLUSTER,
      bootstrapServers: ["b-1.main.kafka.eu-west-1.amazonaws.com:9098"],
    });
    expect(kafkaEnvironment(connection, [])).toEqual({});
    expect(kafkaEnvironment(connection, ["orders-hourly"])).toEqual({
      KAFKA_CLUSTER_ARN: CLUSTER,
      LAKESTREAM_KAFKA_SECURITY: "msk-iam",
      KAFKA_BROKERS: "b-1.main.kafka.eu-west-1.amazonaws.com:9098",
    });
    const role = new iam.Role(stack, "Role", { assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com") });
    grantKafkaWrite(role, connection, ["orders-hourly"]);
    const policy = JSON.stringify(Template.fromStack(stack).findResources("AWS::IAM::Policy"));
    expect(policy).toContain("kafka-cluster:WriteData");
    expect(policy).toContain(
      "arn:aws:kafka:eu-west-1:123456789012:topic/main/0123abcd-0123-4567-89ab-0123456789ab-1/orders-hourly",
    );
    expect(policy).not.toContain("*");
  });
});
