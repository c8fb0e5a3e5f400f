import { CfnOutput, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import * as glue from "aws-cdk-lib/aws-glue";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import type * as logs from "aws-cdk-lib/aws-logs";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import type { Construct } from "constructs";
import type { Pipeline } from "../../shared/core/pipeline/types.ts";
import type { LakestreamConfig } from "../config.ts";
import { MskServerless } from "../constructs/msk-serverless.ts";

export interface SharedStackProps extends StackProps {
  readonly config: LakestreamConfig;
  readonly pipelines: readonly Pipeline[];
}

/**
 * What all pipelines share: the Glue database, the alarm topic, and, in `msk-serverless` mode,
 * the Kafka cluster and its VPC. Each pipeline stack owns its lake bucket, so removing one
 * pipeline never touches another's data and no IAM policy depends on another stack's output.
 */
export class SharedStack extends Stack {
  readonly database: glue.CfnDatabase;
  readonly databaseName: string;
  readonly alarmTopic: sns.Topic;
  readonly kafka?: MskServerless;

  constructor(scope: Construct, id: string, props: SharedStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy =
      config.lake.removalPolicy === "destroy" ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const retention = config.observability.logRetentionDays as logs.RetentionDays;

    this.databaseName = config.glue.databaseName;
    this.database = new glue.CfnDatabase(this, "Database", {
      catalogId: this.account,
      databaseInput: {
        name: this.databaseName,
        description: "lakestream tables: Hive-partitioned files written from Kafka",
      },
    });

    // Alarm notifications are encrypted with a key CloudWatch may use: the AWS managed SNS key
    // does not let CloudWatch publish.
    const alarmKey = new kms.Key(this, "AlarmTopicKey", {
      enableKeyRotation: true,
      description: "lakestream alarm topic encryption",
      removalPolicy: RemovalPolicy.DESTROY,
    });
    alarmKey.grant(
      new iam.ServicePrincipal("cloudwatch.amazonaws.com"),
      "kms:Decrypt",
      "kms:GenerateDataKey*",
    );
    this.alarmTopic = new sns.Topic(this, "Alarms", {
      displayName: "lakestream alarms",
      masterKey: alarmKey,
      enforceSSL: true,
    });
    if (config.observability.alarmEmail) {
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(config.observability.alarmEmail));
    }

    if (config.kafka.mode === "msk-serverless") {
      this.kafka = new MskServerless(this, "Kafka", {
        vpcCidr: config.kafka.vpcCidr,
        maxAzs: config.kafka.maxAzs,
        logRetentionDays: retention,
        removalPolicy,
        // Ingest (writeBack) and publish (a gold table's writeBack) ask MSK for the brokers.
        mskApiEndpoint: props.pipelines.some(
          (p) => p.writeBack !== undefined || (p.aggregations?.tables ?? []).some((t) => t.writeBack),
        ),
        // CloudFormation names a bucket `<stack name>-<logical id>-<suffix>`, lower-cased, and
        // every pipeline stack's name starts with the prefix.
        lakeBucketNamePattern: `${config.stackPrefix.toLowerCase()}-*`,
      });
      new CfnOutput(this, "KafkaClusterArn", {
        value: this.kafka.clusterArn,
        description: "MSK Serverless cluster",
      });
    }

    new CfnOutput(this, "GlueDatabaseName", {
      value: this.databaseName,
      description: "Glue database of the tables",
    });
    new CfnOutput(this, "AlarmTopicArn", {
      value: this.alarmTopic.topicArn,
      description: "Alarm notifications",
    });
  }
}
