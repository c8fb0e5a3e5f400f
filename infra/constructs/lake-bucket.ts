import { Duration, type RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { LAKE_PREFIX, type LakeAccess } from "../lake-layout.ts";
import { acknowledge, nagArnRef } from "../nag.ts";

/** Where Lambda's S3 on-failure destination puts batches it gave up on (`aws/lambda/<mapping uuid>/…`). */
export const FAILED_BATCH_PREFIX = LAKE_PREFIX.failedBatches;

/** S3 storage classes raw data may move to: all are read without a restore, so a backfill still works. */
export type RawStorageClass = "STANDARD_IA" | "ONEZONE_IA" | "INTELLIGENT_TIERING" | "GLACIER_IR";

/** What happens to raw data (and its commit records) as it ages; published tables are never touched. */
export interface RawDataLifecycle {
  /** Expire raw files and commit records this many days after they were written. */
  readonly expireAfterDays?: number;
  /** Move raw files to cheaper storage classes. */
  readonly transitions: readonly { readonly storageClass: RawStorageClass; readonly afterDays: number }[];
}

export interface LakeBucketProps {
  readonly encryption: "s3-managed" | "kms";
  /** Quarantine key prefixes of all pipelines (`quarantine.prefix`); each expires after `quarantineExpirationDays`. */
  readonly quarantinePrefixes: readonly string[];
  readonly quarantineExpirationDays: number;
  readonly failedBatchExpirationDays: number;
  readonly abortIncompleteUploadDays: number;
  readonly accessLogExpirationDays: number;
  /** Days a replaced or deleted object's previous version is kept, in both buckets. */
  readonly noncurrentVersionExpirationDays: number;
  /** Raw landing and commit record prefixes of the pipeline's table, which `rawData` applies to. */
  readonly rawPrefixes: { readonly data: string; readonly commits: string };
  readonly rawData: RawDataLifecycle;
  readonly removalPolicy: RemovalPolicy;
  /** Send the bucket's object events to EventBridge (a file source in the lake bucket). */
  readonly eventBridge?: boolean;
}

/**
 * The lake bucket and its access-log bucket, secure by default: encrypted, TLS only, no public
 * access, ACLs disabled, server access logs kept in a separate bucket, and versioned, so an
 * overwritten or deleted object (a compaction's replaced file, a bad deploy's writes) can be
 * restored for `noncurrentVersionExpirationDays`. Lifecycle rules expire those old versions,
 * abandoned multipart uploads and old quarantine files, and age raw data as configured.
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
      versioned: true,
      lifecycleRules: [
        { id: "expire-access-logs", expiration: Duration.days(props.accessLogExpirationDays) },
        ...versionRules(props.noncurrentVersionExpirationDays),
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
      versioned: true,
      lifecycleRules: [
        ...versionRules(props.noncurrentVersionExpirationDays),
        ...rawDataRules(props.rawPrefixes, props.rawData),
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
    if (props.eventBridge) {
      // The property itself, not `eventBridgeEnabled`, which adds a custom-resource Lambda to set it.
      (this.bucket.node.defaultChild as s3.CfnBucket).addPropertyOverride(
        "NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled",
        true,
      );
    }
  }

  /**
   * Grants a role exactly the prefixes of `access` (see lake-layout.ts): s3:GetObject where it
   * reads, s3:PutObject and s3:AbortMultipartUpload where it writes, s3:DeleteObject where it
   * deletes, and s3:ListBucket on the bucket. ListBucket is not narrowed by `s3:prefix`: S3
   * answers a GetObject of a missing key with 404 only to callers allowed to list the bucket
   * (else 403), and the replay check depends on telling "absent" from "denied"; listing shows key
   * names, never contents. With a KMS key, readers may decrypt and writers generate data keys.
   */
  grantAccess(role: iam.IRole, access: LakeAccess, why: string): void {
    const statements: [string[], readonly string[]][] = [
      [["s3:GetObject"], access.read],
      [["s3:PutObject", "s3:AbortMultipartUpload"], access.write],
      [["s3:DeleteObject"], access.delete],
    ];
    for (const [actions, prefixes] of statements) {
      if (prefixes.length === 0) continue;
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions,
          resources: [...new Set(prefixes)].map((p) => this.bucket.arnForObjects(`${p}*`)),
        }),
      );
    }
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ["s3:ListBucket"], resources: [this.bucket.bucketArn] }),
    );
    if (this.key) {
      const kms = [
        ...(access.read.length > 0 ? ["kms:Decrypt"] : []),
        ...(access.write.length > 0 ? ["kms:Decrypt", "kms:GenerateDataKey"] : []),
      ];
      if (kms.length > 0) this.key.grant(role, ...new Set(kms));
    }
    for (const prefix of new Set([...access.read, ...access.write, ...access.delete])) {
      acknowledge(
        role,
        "AwsSolutions-IAM5",
        [`Resource::${nagArnRef(this.bucket)}/${prefix}*`],
        `${why}: the objects under ${prefix} (keys below a prefix are named by a trailing wildcard)`,
      );
    }
  }
}

/** Old versions expire; a delete marker with no versions left behind is removed too. */
function versionRules(days: number): s3.LifecycleRule[] {
  return [
    { id: "expire-noncurrent-versions", noncurrentVersionExpiration: Duration.days(days) },
    { id: "remove-expired-delete-markers", expiredObjectDeleteMarker: true },
  ];
}

/**
 * Raw files move to the configured storage classes and, with `expireAfterDays`, expire together
 * with their commit records, so the plan never lists a batch whose files are gone.
 */
function rawDataRules(prefixes: LakeBucketProps["rawPrefixes"], raw: RawDataLifecycle): s3.LifecycleRule[] {
  const rules: s3.LifecycleRule[] = [];
  if (raw.transitions.length > 0 || raw.expireAfterDays !== undefined) {
    rules.push({
      id: "raw-data",
      prefix: prefixes.data,
      transitions: raw.transitions.map((t) => ({
        storageClass: new s3.StorageClass(t.storageClass),
        transitionAfter: Duration.days(t.afterDays),
      })),
      ...(raw.expireAfterDays === undefined ? {} : { expiration: Duration.days(raw.expireAfterDays) }),
    });
  }
  if (raw.expireAfterDays !== undefined) {
    rules.push({
      id: "raw-commit-records",
      prefix: prefixes.commits,
      expiration: Duration.days(raw.expireAfterDays),
    });
  }
  return rules;
}
