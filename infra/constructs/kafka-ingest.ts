import { Annotations, Duration } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import {
  AuthenticationMethod,
  type KafkaEventSourceProps,
  ManagedKafkaEventSource,
  S3OnFailureDestination,
  SelfManagedKafkaEventSource,
} from "aws-cdk-lib/aws-lambda-event-sources";
import { Construct } from "constructs";
import type { Pipeline } from "../../shared/core/pipeline/types.ts";
import type { LakestreamConfig } from "../config.ts";
import { type KafkaConnection, mskResourceArn } from "../kafka-connection.ts";
import { acknowledge } from "../nag.ts";
import type { LakeBucket } from "./lake-bucket.ts";
import type { LakestreamFunction } from "./lakestream-function.ts";

export interface KafkaIngestProps {
  readonly pipeline: Pipeline;
  readonly ingest: LakestreamFunction;
  readonly connection: KafkaConnection;
  readonly lake: LakeBucket;
  readonly settings: LakestreamConfig["ingest"];
}

/**
 * Connects the ingest function to Kafka: one event source mapping per topic (Lambda allows one
 * topic per mapping), failed batches to the lake bucket, partial batch responses, and the IAM
 * rights the pollers use to read (and, with write-back, the function uses to produce).
 */
export class KafkaIngest extends Construct {
  /** One consumer group per topic: Lambda requires a group id to be unique across mappings. */
  readonly consumerGroupIds: string[];

  constructor(scope: Construct, id: string, props: KafkaIngestProps) {
    super(scope, id);
    const { pipeline, connection, settings } = props;
    const fn = props.ingest.function;
    this.consumerGroupIds = pipeline.source.topics.map(
      (t) => `${settings.consumerGroupPrefix}-${pipeline.name}-${t}`,
    );

    const pollers = settings.provisionedPollers;
    // Retries, record age, bisecting and ReportBatchItemFailures are honoured for Kafka only in
    // provisioned mode; on-demand pollers retry a failing batch until it succeeds or expires.
    const errorHandling: Partial<KafkaEventSourceProps> =
      pollers === false
        ? {}
        : {
            provisionedPollerConfig: {
              minimumPollers: pollers.minimum,
              maximumPollers: pollers.maximum,
              ...(pollers.groupName ? { pollerGroupName: pollers.groupName } : {}),
            },
            reportBatchItemFailures: true,
            retryAttempts: settings.retryAttempts,
            bisectBatchOnError: settings.bisectBatchOnError,
            ...(settings.maxRecordAgeSeconds
              ? { maxRecordAge: Duration.seconds(settings.maxRecordAgeSeconds) }
              : {}),
          };
    if (pollers === false) {
      Annotations.of(this).addWarningV2(
        "lakestream:onDemandPollers",
        "ingest.provisionedPollers is false: partial batch responses and retry limits are off, so a failing batch is retried whole",
      );
    }

    pipeline.source.topics.forEach((topic, i) => {
      const common: KafkaEventSourceProps = {
        topic,
        consumerGroupId: this.consumerGroupIds[i]!,
        batchSize: settings.batchSize,
        maxBatchingWindow: Duration.seconds(settings.maxBatchingWindowSeconds),
        startingPosition: lambda.StartingPosition[settings.startingPosition],
        onFailure: new S3OnFailureDestination(props.lake.bucket),
        ...(settings.filters.length > 0
          ? { filters: settings.filters.map((pattern) => lambda.FilterCriteria.filter(pattern)) }
          : {}),
        ...errorHandling,
      };
      fn.addEventSource(
        connection.kind === "msk"
          ? new ManagedKafkaEventSource({ ...common, clusterArn: connection.clusterArn })
          : new SelfManagedKafkaEventSource({
              ...common,
              bootstrapServers: [...connection.bootstrapServers],
              secret: connection.secret,
              authenticationMethod: AuthenticationMethod[`${connection.authentication}_AUTH`],
              ...(connection.rootCa ? { rootCACertificate: connection.rootCa } : {}),
              ...(connection.network
                ? {
                    vpc: connection.network.vpc,
                    vpcSubnets: connection.network.subnets,
                    securityGroup: connection.network.securityGroups[0]!,
                  }
                : {}),
            }),
      );
    });

    if (connection.kind === "msk") this.grantMskAccess(props, connection.clusterArn);
    else {
      // The L2 grants the SCRAM secret; the pollers (and the write-back producer) also read the CA.
      connection.rootCa?.grantRead(props.ingest.role);
      if (connection.network) this.grantPollerNetworkAccess(props);
    }
    // S3OnFailureDestination already grants read/write on the whole bucket; the ingest needs
    // that anyway for its table, quarantine and commit records.
    props.lake.grantTo(
      props.ingest.role,
      "readWrite",
      "the ingest writes table files, quarantine and commit records",
    );
  }

  private grantMskAccess(props: KafkaIngestProps, clusterArn: string): void {
    const role = props.ingest.role;
    const { topics } = props.pipeline.source;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          "kafka:DescribeClusterV2",
          "kafka-cluster:Connect",
          "kafka-cluster:DescribeClusterDynamicConfiguration",
        ],
        resources: [clusterArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"],
        resources: topics.map((t) => mskResourceArn(clusterArn, "topic", t)),
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"],
        resources: this.consumerGroupIds.map((g) => mskResourceArn(clusterArn, "group", g)),
      }),
    );
    acknowledge(
      role,
      "AwsSolutions-IAM4",
      ["Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole"],
      "Added by ManagedKafkaEventSource: the MSK pollers need its EC2 network-interface and MSK describe rights, which have no resource-level scoping",
    );
  }

  /** Pollers of a self-managed cluster inside a VPC create network interfaces with the function's role. */
  private grantPollerNetworkAccess(props: KafkaIngestProps): void {
    props.ingest.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          "ec2:CreateNetworkInterface",
          "ec2:DescribeNetworkInterfaces",
          "ec2:DeleteNetworkInterface",
          "ec2:DescribeVpcs",
          "ec2:DescribeSubnets",
          "ec2:DescribeSecurityGroups",
        ],
        resources: ["*"],
      }),
    );
    acknowledge(
      props.ingest.role,
      "AwsSolutions-IAM5",
      ["Resource::*"],
      "EC2 Describe* calls have no resource-level permissions; the pollers need them to attach to the Kafka VPC",
    );
  }
}
