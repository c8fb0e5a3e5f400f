import { Annotations, Duration, Names } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import {
  AuthenticationMethod,
  type KafkaEventSourceProps,
  SelfManagedKafkaEventSource,
} from "aws-cdk-lib/aws-lambda-event-sources";
import { Construct } from "constructs";
import type { Pipeline } from "../../shared/core/pipeline/types.ts";
import type { LakestreamConfig } from "../config.ts";
import { type KafkaConnection, mskResourceArn } from "../kafka-connection.ts";
import { acknowledge } from "../nag.ts";
import { FailedBatchDestination } from "./failed-batch-destination.ts";
import type { LakeBucket } from "./lake-bucket.ts";
import { type LakestreamFunction, NETWORK_INTERFACE_ACTIONS } from "./lakestream-function.ts";

export interface KafkaIngestProps {
  readonly pipeline: Pipeline;
  readonly ingest: LakestreamFunction;
  readonly connection: KafkaConnection;
  readonly lake: LakeBucket;
  readonly settings: LakestreamConfig["ingest"];
}

/**
 * Every metric group the Kafka pollers can publish: event counts (among them the records Lambda
 * gave up on, `OnFailureDestinationDeliveredEventCount` and `DroppedEventCount`), poller errors
 * and offset lag, each with the `EventSourceMappingUUID` dimension.
 */
export const MAPPING_METRICS: lambda.MetricsConfig = {
  metrics: [lambda.MetricType.EVENT_COUNT, lambda.MetricType.ERROR_COUNT, lambda.MetricType.KAFKA_METRICS],
};

/**
 * Connects the ingest function to Kafka: one event source mapping per topic (Lambda allows one
 * topic per mapping), failed batches to the lake bucket, partial batch responses, mapping
 * metrics, and the IAM rights the pollers use to read. The lake grants of the ingest itself are
 * the stack's (PipelineStack.grantLake).
 */
export class KafkaIngest extends Construct {
  /** One consumer group per topic: Lambda requires a group id to be unique across mappings. */
  readonly consumerGroupIds: string[];
  /** The event source mapping of each topic, for alarms on its metrics. */
  readonly mappings: { readonly topic: string; readonly mapping: lambda.IEventSourceMapping }[] = [];

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

    const onFailure = new FailedBatchDestination(props.lake);
    pipeline.source.topics.forEach((topic, i) => {
      const common: KafkaEventSourceProps = {
        topic,
        consumerGroupId: this.consumerGroupIds[i]!,
        batchSize: settings.batchSize,
        maxBatchingWindow: Duration.seconds(settings.maxBatchingWindowSeconds),
        startingPosition: lambda.StartingPosition[settings.startingPosition],
        onFailure,
        metricsConfig: MAPPING_METRICS,
        ...(settings.filters.length > 0
          ? { filters: settings.filters.map((pattern) => lambda.FilterCriteria.filter(pattern)) }
          : {}),
        ...errorHandling,
      };
      const mapping =
        connection.kind === "msk"
          ? mskMapping(fn, common, connection.clusterArn)
          : addedMapping(
              fn,
              new SelfManagedKafkaEventSource({
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
      this.mappings.push({ topic, mapping });
    });

    if (connection.kind === "msk") this.grantMskAccess(props, connection.clusterArn);
    else {
      // The L2 grants the SCRAM secret; the pollers (and the write-back producer) also read the CA.
      connection.rootCa?.grantRead(props.ingest.role);
      if (connection.network) this.grantPollerNetworkAccess(props);
    }
  }

  private grantMskAccess(props: KafkaIngestProps, clusterArn: string): void {
    const role = props.ingest.role;
    const { topics } = props.pipeline.source;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          "kafka:DescribeCluster",
          "kafka:DescribeClusterV2",
          "kafka:GetBootstrapBrokers",
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
    // What AWSLambdaMSKExecutionRole would add, without its logs:* on every log group.
    this.grantPollerNetworkAccess(props);
  }

  /** The pollers attach to the cluster's subnets with network interfaces they create with the function's role. */
  private grantPollerNetworkAccess(props: KafkaIngestProps): void {
    props.ingest.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [...NETWORK_INTERFACE_ACTIONS, "ec2:DescribeVpcs", "ec2:DescribeSecurityGroups"],
        resources: ["*"],
      }),
    );
    acknowledge(
      props.ingest.role,
      "AwsSolutions-IAM5",
      ["Resource::*"],
      "The Kafka pollers create, describe and delete network interfaces in the cluster's subnets: EC2 Describe* calls have no resource-level permissions and the interfaces do not exist before Lambda creates them",
    );
  }
}

/**
 * An MSK mapping built directly instead of through ManagedKafkaEventSource, which attaches the
 * AWS-managed AWSLambdaMSKExecutionRole (logs:* on every log group). The construct id is the
 * one ManagedKafkaEventSource uses, so existing mappings keep their logical ids.
 */
function mskMapping(
  fn: lambda.IFunction,
  p: KafkaEventSourceProps,
  clusterArn: string,
): lambda.IEventSourceMapping {
  return fn.addEventSourceMapping(`KafkaEventSource:${Names.nodeUniqueId(fn.node)}${p.topic}`, {
    eventSourceArn: clusterArn,
    kafkaTopic: p.topic,
    kafkaConsumerGroupId: p.consumerGroupId,
    batchSize: p.batchSize,
    maxBatchingWindow: p.maxBatchingWindow,
    startingPosition: p.startingPosition,
    onFailure: p.onFailure,
    filters: p.filters,
    provisionedPollerConfig: p.provisionedPollerConfig,
    reportBatchItemFailures: p.reportBatchItemFailures,
    retryAttempts: p.retryAttempts,
    bisectBatchOnError: p.bisectBatchOnError,
    maxRecordAge: p.maxRecordAge,
    metricsConfig: p.metricsConfig,
  });
}

/** Adds an event source and returns the mapping it created (the L2 sources do not expose it). */
function addedMapping(fn: lambda.IFunction, source: lambda.IEventSource): lambda.IEventSourceMapping {
  const before = new Set(fn.node.children);
  fn.addEventSource(source);
  const mapping = fn.node.children.find((c) => !before.has(c) && c instanceof lambda.EventSourceMapping);
  if (!mapping) throw new Error("the Kafka event source added no event source mapping");
  return mapping as lambda.EventSourceMapping;
}
