import { Duration } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type * as s3 from "aws-cdk-lib/aws-s3";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { Pipeline } from "../../shared/core/pipeline/types.ts";
import type { LakestreamConfig } from "../config.ts";
import { acknowledge } from "../nag.ts";
import type { LakeBucket } from "./lake-bucket.ts";
import type { LakestreamFunction } from "./lakestream-function.ts";

export interface FileIngestProps {
  readonly pipeline: Pipeline;
  /** The files ingest function (functions/ingest-files). */
  readonly ingest: LakestreamFunction;
  readonly lake: LakeBucket;
  /** Where the files arrive: the lake bucket, or a bucket of the deployment's own. */
  readonly source: s3.IBucket;
  readonly settings: LakestreamConfig["files"];
}

/**
 * The file source in AWS: the source bucket's `Object Created` events under the pipeline's
 * prefix go through an EventBridge rule to an encrypted SQS queue that feeds the files ingest
 * function (SQS event source, partial batch responses). A message that keeps failing moves to a
 * dead-letter queue after `maxReceiveCount` deliveries (alarmed by PipelineAlarms). The function
 * may read only the objects under the prefix (and list only that prefix, so a deleted object
 * reads as missing, not as denied), and send messages to its own queue (the units of a large
 * object).
 */
export class FileIngest extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetters: sqs.Queue;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: FileIngestProps) {
    super(scope, id);
    const { pipeline, settings, source } = props;
    const prefix = pipeline.source.files!.prefix;
    const fn = props.ingest.function;

    this.deadLetters = new sqs.Queue(this, "DeadLetters", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.deadLetters,
      "AwsSolutions-SQS3",
      [],
      "This is the file queue's dead-letter queue; a dead-letter queue of its own would only move the same messages",
    );
    this.queue = new sqs.Queue(this, "Queue", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS's advice for a Lambda event source: six times the function timeout, so a message is
      // not delivered again while an invocation (and its retries by the poller) still holds it.
      visibilityTimeout: Duration.seconds(6 * settings.timeoutSeconds),
      retentionPeriod: Duration.days(14),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: settings.maxReceiveCount },
    });

    this.rule = new events.Rule(this, "ObjectCreated", {
      description: `lakestream ${pipeline.name}: objects created under the source prefix "${prefix}"`,
      eventPattern: {
        source: ["aws.s3"],
        detailType: ["Object Created"],
        detail: {
          bucket: { name: [source.bucketName] },
          ...(prefix === "" ? {} : { object: { key: [{ prefix }] } }),
        },
      },
      targets: [
        new targets.SqsQueue(this.queue, {
          // Events EventBridge could not deliver land with the failing messages, alarmed alike.
          deadLetterQueue: this.deadLetters,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });

    fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: settings.batchSize,
        maxConcurrency: settings.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    this.queue.grantSendMessages(props.ingest.role);
    this.grantSourceRead(props, prefix);
  }

  /** Read on the prefix's objects only; list on the prefix only. */
  private grantSourceRead(props: FileIngestProps, prefix: string): void {
    const role = props.ingest.role;
    // Events of a versioned bucket name the version: reading exactly it takes GetObjectVersion.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["s3:GetObject", "s3:GetObjectVersion"],
        resources: [props.source.arnForObjects(`${prefix}*`)],
      }),
    );
    if (props.source === props.lake.bucket) {
      // The lake's own grant adds its KMS key and the acknowledgement of the prefix wildcard.
      props.lake.grantAccess(
        role,
        { read: [prefix], write: [], delete: [] },
        "the files ingest reads its source files",
      );
      return;
    }
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["s3:ListBucket"],
        resources: [props.source.bucketArn],
        ...(prefix === "" ? {} : { conditions: { StringLike: { "s3:prefix": [`${prefix}*`] } } }),
      }),
    );
    acknowledge(
      role,
      "AwsSolutions-IAM5",
      [`Resource::arn:<AWS::Partition>:s3:::${props.source.bucketName}/${prefix}*`],
      "the files ingest reads the objects under its source prefix (keys below a prefix are named by a trailing wildcard)",
    );
  }
}
