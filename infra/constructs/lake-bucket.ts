import { Duration, type RemovalPolicy } from "aws-cdk-lib";
import type * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { acknowledge, BUCKET_READ_ACTIONS, BUCKET_WRITE_ACTIONS, KMS_ACTIONS, nagArnRef } from "../nag.ts";

/**
 * Where Lambda's S3 on-failure destination puts records of Kafka batches it gave up on
 * (`aws/lambda/<mapping uuid>/...`); the prefix is chosen by Lambda, not by us.
 */
export const FAILED_BATCH_PREFIX = "aws/lambda/";

/** Where the state machine's RecordFailure step writes one JSON document per failed run. */
export const RUN_FAILURE_PREFIX = "_lakestream/failures/";

export interface LakeBucketProps {
  readonly encryption: "s3-managed" | "kms";
  /** Quarantine key prefixes of all pipelines (`quarantine.prefix`); each expires after `quarantineExpirationDays`. */
  readonly quarantinePrefixes: readonly string[];
  readonly quarantineExpirationDays: number;
  readonly failedBatchExpirationDays: number;
  readonly abortIncompleteUploadDays: number;
  readonly accessLogExpirationDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The lake bucket and its access-log bucket, secure by default: encrypted, TLS only, no public
 * access, ACLs disabled, server access logs kept in a separate bucket, and lifecycle rules so
 * abandoned multipart uploads and old quarantine files stop costing money.
 */
export class LakeBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;
  readonly key?: kms.Key;

  constructor(scope: Construct, id: string, props: LakeBucketProps) {
    super(scope, id);
    // Server access logs can only be delivered to an SSE-S3 bucket, whatever the lake uses.
    this.accessLogs = new s3.Bucket(this, "AccessLogs", {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: props.removalPolicy,
      lifecycleRules: [
        { id: "expire-access-logs", expiration: Duration.days(props.accessLogExpirationDays) },
      ],
    });
    acknowledge(
      this.accessLogs,
      "AwsSolutions-S1",
      [],
      "This is the lake's server access log bucket; logging it to itself would loop",
    );

    if (props.encryption === "kms") {
      this.key = new kms.Key(this, "Key", {
        enableKeyRotation: true,
        description: "lakestream lake bucket encryption",
        removalPolicy: props.removalPolicy,
      });
    }

    const quarantineRules = [...new Set(props.quarantinePrefixes)].map(
      (prefix): s3.LifecycleRule => ({
        id: `expire-quarantine-${prefix.replaceAll("/", "-")}`,
        prefix: `${prefix}/`,
        expiration: Duration.days(props.quarantineExpirationDays),
      }),
    );

    this.bucket = new s3.Bucket(this, "Lake", {
      ...(this.key
        ? { encryption: s3.BucketEncryption.KMS, encryptionKey: this.key, bucketKeyEnabled: true }
        : { encryption: s3.BucketEncryption.S3_MANAGED }),
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: "lake/",
      removalPolicy: props.removalPolicy,
      lifecycleRules: [
        {
          id: "abort-incomplete-multipart-uploads",
          abortIncompleteMultipartUploadAfter: Duration.days(props.abortIncompleteUploadDays),
        },
        ...quarantineRules,
        {
          id: "expire-failed-batches",
          prefix: FAILED_BATCH_PREFIX,
          expiration: Duration.days(props.failedBatchExpirationDays),
        },
      ],
    });
  }

  /**
   * Grants a role read or read/write on the whole bucket and acknowledges the wildcard findings
   * that come with it: S3 object ARNs are `<bucket>/*` by nature, and `grant*` uses action
   * wildcards (`s3:GetObject*`) that cover the object's versions and tags too.
   */
  grantTo(role: iam.IRole, access: "read" | "readWrite", why: string): void {
    if (access === "read") this.bucket.grantRead(role);
    else this.bucket.grantReadWrite(role);
    const actions = access === "read" ? BUCKET_READ_ACTIONS : BUCKET_WRITE_ACTIONS;
    acknowledge(
      role,
      "AwsSolutions-IAM5",
      [...actions, ...(this.key ? KMS_ACTIONS : []), `Resource::${nagArnRef(this.bucket)}/*`],
      `bucket.grant${access === "read" ? "Read" : "ReadWrite"} on the lake bucket: ${why}`,
    );
  }
}
