import { Match, type Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Synthesized, synthesize } from "./helpers/synth.ts";

/** Default config (MSK Serverless in a new VPC), stand-in handlers, bundling skipped. */
let synth: Synthesized;
let shared: Template;

beforeAll(() => {
  synth = synthesize();
  shared = synth.template(synth.built.shared);
});
afterAll(() => synth.cleanup());

describe("the Kafka VPC", () => {
  it("has no ingress rule open to an address range (the VPC's CIDR included): only security-group sources", () => {
    for (const sg of Object.values(shared.findResources("AWS::EC2::SecurityGroup"))) {
      for (const rule of (sg.Properties.SecurityGroupIngress ?? []) as Record<string, unknown>[]) {
        expect(rule.CidrIp ?? rule.CidrIpv6).toBeUndefined();
      }
    }
    for (const rule of Object.values(shared.findResources("AWS::EC2::SecurityGroupIngress"))) {
      expect(rule.Properties.CidrIp ?? rule.Properties.CidrIpv6).toBeUndefined();
      expect(rule.Properties.SourceSecurityGroupId).toBeDefined();
    }
  });

  it("lets only the Kafka clients reach the PrivateLink endpoints on 443", () => {
    shared.hasResourceProperties("AWS::EC2::SecurityGroupIngress", {
      IpProtocol: "tcp",
      FromPort: 443,
      ToPort: 443,
      GroupId: { "Fn::GetAtt": [Match.stringLikeRegexp("^KafkaEndpoints"), "GroupId"] },
      SourceSecurityGroupId: { "Fn::GetAtt": [Match.stringLikeRegexp("^KafkaKafkaClients"), "GroupId"] },
    });
    const interfaces = Object.values(
      shared.findResources("AWS::EC2::VPCEndpoint", { Properties: { VpcEndpointType: "Interface" } }),
    );
    expect(interfaces).toHaveLength(3);
    for (const e of interfaces) {
      expect(e.Properties.SecurityGroupIds).toEqual([
        { "Fn::GetAtt": [expect.stringMatching(/^KafkaEndpoints/), "GroupId"] },
      ]);
    }
  });

  it("restricts the S3 gateway endpoint to this account's lake buckets", () => {
    const [gateway] = Object.values(
      shared.findResources("AWS::EC2::VPCEndpoint", { Properties: { VpcEndpointType: "Gateway" } }),
    );
    const statements = gateway!.Properties.PolicyDocument.Statement as Record<string, unknown>[];
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({
      Effect: "Allow",
      Principal: { AWS: "*" },
      Condition: { StringEquals: { "aws:ResourceAccount": { Ref: "AWS::AccountId" } } },
    });
    expect(JSON.stringify(statements[0]!.Resource)).toBe(
      JSON.stringify([
        { "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":s3:::lakestream-*"]] },
        { "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":s3:::lakestream-*/*"]] },
      ]),
    );
    expect(JSON.stringify(statements[0]!.Action)).not.toContain("*");
  });

  it("names lake buckets so that the endpoint's pattern matches them", () => {
    // CloudFormation names an unnamed bucket `<stack name>-<logical id>-<suffix>`, lower-cased.
    for (const stack of Object.values(synth.built.pipelines)) {
      expect(stack.stackName.toLowerCase().startsWith("lakestream-")).toBe(true);
      const buckets = synth.template(stack).findResources("AWS::S3::Bucket");
      for (const b of Object.values(buckets)) expect(b.Properties.BucketName).toBeUndefined();
    }
  });
});
