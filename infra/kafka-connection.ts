import { Fn, Validations } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";
import type { ExistingVpcConfig, KafkaConfig } from "./config.ts";
import type { MskServerless } from "./constructs/msk-serverless.ts";

/** Where a function or a Kafka poller attaches when brokers are only reachable inside a VPC. */
export interface KafkaNetwork {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroups: ec2.ISecurityGroup[];
}

/** A Kafka cluster as the pipeline stacks see it, whichever way it was configured. */
export type KafkaConnection =
  | {
      readonly kind: "msk";
      readonly clusterArn: string;
      /** IAM-auth bootstrap brokers when known (existing clusters); write-back uses them. */
      readonly bootstrapServers?: readonly string[];
      readonly network?: KafkaNetwork;
    }
  | {
      readonly kind: "self-managed";
      readonly bootstrapServers: readonly string[];
      readonly secret: secretsmanager.ISecret;
      readonly authentication: "SASL_SCRAM_512" | "SASL_SCRAM_256";
      readonly rootCa?: secretsmanager.ISecret;
      readonly network?: KafkaNetwork;
    };

/**
 * Turns the Kafka settings into constructs inside `scope` (imports are per stack). Existing VPCs
 * are described by value (`fromVpcAttributes`), never looked up, so synthesis needs no credentials.
 */
export function kafkaConnection(
  scope: Construct,
  config: KafkaConfig,
  created?: MskServerless,
): KafkaConnection {
  switch (config.mode) {
    case "msk-serverless": {
      if (!created) throw new Error("msk-serverless mode needs the cluster created by the shared stack");
      return {
        kind: "msk",
        clusterArn: created.clusterArn,
        network: { vpc: created.vpc, subnets: created.subnets, securityGroups: [created.securityGroup] },
      };
    }
    case "msk":
      return {
        kind: "msk",
        clusterArn: config.clusterArn,
        bootstrapServers: config.bootstrapServers,
        network: config.vpc && existingNetwork(scope, config.vpc),
      };
    case "self-managed":
      return {
        kind: "self-managed",
        bootstrapServers: config.bootstrapServers,
        secret: secretsmanager.Secret.fromSecretCompleteArn(scope, "KafkaSecret", config.secretArn),
        authentication: config.authentication,
        rootCa:
          config.rootCaSecretArn === undefined
            ? undefined
            : secretsmanager.Secret.fromSecretCompleteArn(scope, "KafkaRootCa", config.rootCaSecretArn),
        network: config.vpc && existingNetwork(scope, config.vpc),
      };
  }
}

function existingNetwork(scope: Construct, vpc: ExistingVpcConfig): KafkaNetwork {
  const network: KafkaNetwork = {
    vpc: ec2.Vpc.fromVpcAttributes(scope, "KafkaVpc", {
      vpcId: vpc.vpcId,
      availabilityZones: vpc.availabilityZones,
      privateSubnetIds: vpc.subnetIds,
    }),
    subnets: {
      subnets: vpc.subnetIds.map((id, i) => ec2.Subnet.fromSubnetId(scope, `KafkaSubnet${i}`, id)),
    },
    securityGroups: vpc.securityGroupIds.map((id, i) =>
      ec2.SecurityGroup.fromSecurityGroupId(scope, `KafkaSecurityGroup${i}`, id),
    ),
  };
  // Imported subnets only place network interfaces; nothing here reads their route tables.
  for (const subnet of [...network.vpc.privateSubnets, ...(network.subnets.subnets ?? [])]) {
    Validations.of(subnet).acknowledge({
      id: "Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId",
      reason: "Subnets of an existing VPC are only used to place network interfaces; no route table is read",
    });
  }
  return network;
}

/**
 * IAM resource ARNs of an MSK cluster's topics and consumer groups. MSK names them after the
 * cluster ARN (`…:cluster/<name>/<uuid>` → `…:topic/<name>/<uuid>/<topic>`); `Fn.split` keeps
 * this working when the ARN is a token of a cluster created in the same app.
 */
export function mskResourceArn(clusterArn: string, kind: "topic" | "group", name: string): string {
  const parts = Fn.split(":cluster/", clusterArn, 2);
  return Fn.join("", [Fn.select(0, parts), `:${kind}/`, Fn.select(1, parts), `/${name}`]);
}
