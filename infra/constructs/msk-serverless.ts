import { Aws, type RemovalPolicy, Stack } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import * as msk from "aws-cdk-lib/aws-msk";
import { Construct } from "constructs";
import { acknowledge } from "../nag.ts";

/** MSK's port for IAM-authenticated clients. */
export const MSK_IAM_PORT = 9098;

export interface MskServerlessProps {
  readonly vpcCidr: string;
  readonly maxAzs: number;
  readonly logRetentionDays: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** Functions inside the VPC call the MSK API (GetBootstrapBrokers) to produce: add its endpoint. */
  readonly mskApiEndpoint: boolean;
  /**
   * Names of the lake buckets the S3 gateway endpoint may reach, as an S3 ARN pattern
   * (`lakestream-*`): the pipeline stacks create them later, so their names are not known here.
   */
  readonly lakeBucketNamePattern: string;
}

/**
 * A self-contained Kafka environment: a private VPC without internet access, an MSK Serverless
 * cluster with IAM auth, and the PrivateLink endpoints Lambda's Kafka pollers need (Lambda, STS)
 * plus an S3 gateway endpoint, instead of a NAT gateway. The interface endpoints accept HTTPS
 * only from the Kafka clients' security group (not the whole VPC), and the S3 endpoint only
 * reaches this account's lake buckets, so nothing in the VPC can copy data to another bucket.
 */
export class MskServerless extends Construct {
  readonly vpc: ec2.Vpc;
  readonly securityGroup: ec2.SecurityGroup;
  /** The interface endpoints' group: HTTPS from the Kafka clients only. */
  readonly endpointSecurityGroup: ec2.SecurityGroup;
  readonly s3Endpoint: ec2.GatewayVpcEndpoint;
  readonly clusterArn: string;
  readonly subnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };

  constructor(scope: Construct, id: string, props: MskServerlessProps) {
    super(scope, id);
    this.vpc = new ec2.Vpc(this, "Vpc", {
      ipAddresses: ec2.IpAddresses.cidr(props.vpcCidr),
      maxAzs: props.maxAzs,
      natGateways: 0,
      subnetConfiguration: [{ name: "kafka", subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 20 }],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });
    this.s3Endpoint = this.vpc.node.findChild("S3") as ec2.GatewayVpcEndpoint;
    const buckets = `arn:${Aws.PARTITION}:s3:::${props.lakeBucketNamePattern}`;
    this.s3Endpoint.addToPolicy(
      new iam.PolicyStatement({
        sid: "LakeBucketsOfThisAccountOnly",
        principals: [new iam.AnyPrincipal()],
        actions: [
          "s3:GetObject",
          "s3:PutObject",
          "s3:AbortMultipartUpload",
          "s3:ListBucket",
          "s3:GetBucketLocation",
        ],
        resources: [buckets, `${buckets}/*`],
        conditions: { StringEquals: { "aws:ResourceAccount": Aws.ACCOUNT_ID } },
      }),
    );
    this.vpc.addFlowLog("FlowLogs", {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(
        new logs.LogGroup(this, "FlowLogGroup", {
          retention: props.logRetentionDays,
          removalPolicy: props.removalPolicy,
        }),
      ),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });

    // Lambda's pollers attach to the cluster's subnets with the cluster's security group, so
    // the group must let its own members reach the brokers and the endpoints.
    this.securityGroup = new ec2.SecurityGroup(this, "KafkaClients", {
      vpc: this.vpc,
      description: "MSK Serverless brokers and the Lambda Kafka pollers",
      allowAllOutbound: true,
    });
    this.securityGroup.addIngressRule(this.securityGroup, ec2.Port.tcp(MSK_IAM_PORT), "Kafka over IAM auth");
    acknowledge(
      this.securityGroup,
      "AwsSolutions-EC23",
      [],
      "Ingress comes only from members of this group (a self-reference), which the rule cannot evaluate; nothing is open to 0.0.0.0/0",
    );
    this.endpointSecurityGroup = new ec2.SecurityGroup(this, "Endpoints", {
      vpc: this.vpc,
      description: "PrivateLink endpoints: HTTPS from the Kafka clients only",
      allowAllOutbound: false,
    });
    this.endpointSecurityGroup.addIngressRule(
      this.securityGroup,
      ec2.Port.tcp(443),
      "Kafka clients to the endpoints",
    );
    acknowledge(
      this.endpointSecurityGroup,
      "AwsSolutions-EC23",
      [],
      "Ingress comes only from the Kafka clients' security group, which the rule cannot evaluate; nothing is open to 0.0.0.0/0",
    );
    const endpoints: [string, ec2.InterfaceVpcEndpointAwsService][] = [
      ["Lambda", ec2.InterfaceVpcEndpointAwsService.LAMBDA],
      ["Sts", ec2.InterfaceVpcEndpointAwsService.STS],
    ];
    if (props.mskApiEndpoint) endpoints.push(["Kafka", ec2.InterfaceVpcEndpointAwsService.KAFKA]);
    for (const [name, service] of endpoints) {
      this.vpc.addInterfaceEndpoint(name, {
        service,
        securityGroups: [this.endpointSecurityGroup],
        // open: true would add an ingress rule for the whole VPC CIDR on 443.
        open: false,
        subnets: this.subnets,
        privateDnsEnabled: true,
      });
    }

    const cluster = new msk.CfnServerlessCluster(this, "Cluster", {
      clusterName: `${Stack.of(this).stackName}-kafka`.slice(0, 64),
      clientAuthentication: { sasl: { iam: { enabled: true } } },
      vpcConfigs: [
        {
          subnetIds: this.vpc.selectSubnets(this.subnets).subnetIds,
          securityGroups: [this.securityGroup.securityGroupId],
        },
      ],
    });
    this.clusterArn = cluster.attrArn;
  }
}
