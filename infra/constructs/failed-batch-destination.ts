import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import { LAKE_PREFIX } from "../lake-layout.ts";
import { acknowledge, nagArnRef } from "../nag.ts";
import type { LakeBucket } from "./lake-bucket.ts";

/**
 * The lake bucket as the Kafka event source mapping's on-failure destination, granting only what
 * Lambda needs to record a batch it gave up on (s3:PutObject under `aws/lambda/`, where Lambda
 * puts them, and s3:ListBucket). CDK's S3OnFailureDestination grants read, write and delete on
 * the whole bucket to the function that runs user code instead.
 */
export class FailedBatchDestination implements lambda.IEventSourceDlq {
  readonly #lake: LakeBucket;

  constructor(lake: LakeBucket) {
    this.#lake = lake;
  }

  bind(_mapping: lambda.IEventSourceMapping, target: lambda.IFunction): lambda.DlqDestinationConfig {
    const { bucket, key } = this.#lake;
    const prefix = LAKE_PREFIX.failedBatches;
    target.addToRolePolicy(
      new iam.PolicyStatement({ actions: ["s3:PutObject"], resources: [bucket.arnForObjects(`${prefix}*`)] }),
    );
    target.addToRolePolicy(
      new iam.PolicyStatement({ actions: ["s3:ListBucket"], resources: [bucket.bucketArn] }),
    );
    // Lambda encrypts the record with the bucket's key when the lake uses KMS.
    if (key && target.role) key.grant(target.role, "kms:GenerateDataKey");
    if (target.role) {
      acknowledge(
        target.role,
        "AwsSolutions-IAM5",
        [`Resource::${nagArnRef(bucket)}/${prefix}*`],
        `Lambda writes each batch it gave up on under ${prefix}<mapping uuid>/…, a key it chooses`,
      );
    }
    return { destination: bucket.bucketArn };
  }
}
