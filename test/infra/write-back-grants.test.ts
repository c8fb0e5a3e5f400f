import { App, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import * as iam from "aws-cdk-lib/aws-iam";
import { describe, expect, it } from "vitest";
import { kafkaConnection } from "../../infra/kafka-connection.ts";
import { grantKafkaWrite } from "../../infra/kafka-environment.ts";

const CLUSTER = "arn:aws:kafka:eu-west-1:123456789012:cluster/main/0123abcd-0123-4567-89ab-0123456789ab-1";

describe("write-back grants on MSK (IAM)", () => {
  it("may create its write-back topics (sized like the source) and describe the source topics, nothing more", () => {
    const stack = new Stack(new App(), "Probe");
    const connection = kafkaConnection(stack, { mode: "msk", clusterArn: CLUSTER });
    const role = new iam.Role(stack, "Role", { assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com") });
    grantKafkaWrite(role, connection, ["clicks-clean"], ["clicks"]);
    const statements = Object.values(Template.fromStack(stack).findResources("AWS::IAM::Policy")).flatMap(
      (p) =>
        (
          p as {
            Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } };
          }
        ).Properties.PolicyDocument.Statement,
    );
    const topic = (t: string) =>
      `arn:aws:kafka:eu-west-1:123456789012:topic/main/0123abcd-0123-4567-89ab-0123456789ab-1/${t}`;
    expect(statements).toContainEqual({
      Effect: "Allow",
      Action: ["kafka-cluster:DescribeTopic", "kafka-cluster:CreateTopic", "kafka-cluster:WriteData"],
      Resource: topic("clicks-clean"),
    });
    expect(statements).toContainEqual({
      Effect: "Allow",
      Action: "kafka-cluster:DescribeTopic",
      Resource: topic("clicks"),
    });
    expect(JSON.stringify(statements)).not.toContain("*");
  });
});
