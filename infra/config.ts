import { z } from "zod";

/**
 * Deployment settings: everything `cdk deploy` needs that is not in a pipeline definition.
 * Every field has a default that makes `cdk synth` work offline on a fresh clone, and every
 * wrong value fails synthesis with the field named (see `parseConfig`).
 */

const awsId = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}-[0-9a-f]{8,17}$`), `expected an id like ${prefix}-0123abcd`);
const arn = (service: string) =>
  z
    .string()
    .regex(new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]+:\\d{12}:.+$`), `expected a ${service} ARN`);

const hostPort = z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, "expected host:port");

/** An existing VPC, described by value so synthesis needs no credentials (no `Vpc.fromLookup`). */
const existingVpc = z
  .strictObject({
    vpcId: awsId("vpc"),
    availabilityZones: z
      .array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, "expected an AZ like eu-west-1a"))
      .min(1),
    subnetIds: z.array(awsId("subnet")).min(1),
    securityGroupIds: z.array(awsId("sg")).min(1),
  })
  .refine((v) => v.subnetIds.length % v.availabilityZones.length === 0, {
    message: "needs the same number of subnets in every availability zone",
    path: ["subnetIds"],
  });

const kafka = z.discriminatedUnion("mode", [
  z.strictObject({
    /** Create an MSK Serverless cluster (IAM auth) in a new private VPC: a self-contained environment. */
    mode: z.literal("msk-serverless"),
    vpcCidr: z.cidrv4().default("10.42.0.0/16"),
    maxAzs: z.int().min(2).max(3).default(2),
  }),
  z.strictObject({
    /** An existing MSK cluster with IAM access control. */
    mode: z.literal("msk"),
    clusterArn: arn("kafka").regex(/:cluster\/[^/]+\/[^/]+$/, "expected arn:...:cluster/<name>/<uuid>"),
    /** The cluster's IAM bootstrap brokers (port 9098), for write-back; else the handler asks MSK. */
    bootstrapServers: z.array(hostPort).min(1).optional(),
    /** The cluster's VPC; needed only when a pipeline writes back to Kafka (the ingest function joins it). */
    vpc: existingVpc.optional(),
  }),
  z.strictObject({
    /** Self-managed Kafka over TLS with SASL/SCRAM credentials in Secrets Manager. */
    mode: z.literal("self-managed"),
    bootstrapServers: z.array(hostPort).min(1),
    secretArn: arn("secretsmanager"),
    authentication: z.enum(["SASL_SCRAM_512", "SASL_SCRAM_256"]).default("SASL_SCRAM_512"),
    /** Secret holding the root CA certificate, when the brokers use a private CA. */
    rootCaSecretArn: arn("secretsmanager").optional(),
    /** Brokers reachable only inside a VPC: the event source mapping's pollers join it. */
    vpc: existingVpc.optional(),
  }),
]);

const provisionedPollers = z.strictObject({
  minimum: z.int().min(1).max(200).default(1),
  maximum: z.int().min(1).max(2000).default(10),
  groupName: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,128}$/)
    .optional(),
});

const ingest = z
  .strictObject({
    batchSize: z.int().min(1).max(10_000).default(1000),
    maxBatchingWindowSeconds: z.int().min(0).max(300).default(10),
    startingPosition: z.enum(["TRIM_HORIZON", "LATEST"]).default("TRIM_HORIZON"),
    consumerGroupPrefix: z
      .string()
      .regex(/^[a-zA-Z0-9\-/*:_+=.@]{1,100}$/)
      .default("lakestream"),
    /** Provisioned pollers; `false` uses on-demand pollers and loses the error-handling controls below. */
    provisionedPollers: z.union([z.literal(false), provisionedPollers]).default({ minimum: 1, maximum: 10 }),
    retryAttempts: z.int().min(-1).max(10_000).default(10),
    maxRecordAgeSeconds: z.int().min(60).max(604_800).optional(),
    bisectBatchOnError: z.boolean().default(true),
    /** Lambda event filter patterns, e.g. `{ "value": { "type": ["click"] } }`. */
    filters: z.array(z.record(z.string(), z.unknown())).max(5).default([]),
    memoryMiB: z.int().min(128).max(10_240).default(1024),
    timeoutSeconds: z.int().min(10).max(900).default(300),
  })
  .refine(
    (i) => i.provisionedPollers === false || i.provisionedPollers.minimum <= i.provisionedPollers.maximum,
    {
      message: "minimum must not exceed maximum",
      path: ["provisionedPollers", "minimum"],
    },
  );

const rawStorageClass = z.enum(["STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR"]);

/** Raw data is the write-ahead log: aging it out limits how far back a backfill can recompute. */
const rawData = z
  .strictObject({
    expireAfterDays: z.int().min(1).optional(),
    transitions: z
      .array(z.strictObject({ storageClass: rawStorageClass, afterDays: z.int().min(0) }))
      .max(4)
      .default([]),
  })
  .superRefine((raw, ctx) => {
    raw.transitions.forEach((t, i) => {
      // S3 moves objects to the infrequent-access classes only after 30 days.
      if ((t.storageClass === "STANDARD_IA" || t.storageClass === "ONEZONE_IA") && t.afterDays < 30) {
        ctx.addIssue({
          code: "custom",
          path: ["transitions", i, "afterDays"],
          message: `${t.storageClass} needs at least 30 days`,
        });
      }
      if (raw.expireAfterDays !== undefined && t.afterDays >= raw.expireAfterDays) {
        ctx.addIssue({
          code: "custom",
          path: ["transitions", i, "afterDays"],
          message: "must be less than expireAfterDays",
        });
      }
      if (raw.transitions.findIndex((o) => o.storageClass === t.storageClass) !== i) {
        ctx.addIssue({ code: "custom", path: ["transitions", i, "storageClass"], message: "appears twice" });
      }
    });
  });

const lake = z.strictObject({
  encryption: z.enum(["s3-managed", "kms"]).default("s3-managed"),
  quarantineExpirationDays: z.int().min(1).default(30),
  /** Batches the event source mapping gave up on (on-failure destination records). */
  failedBatchExpirationDays: z.int().min(1).default(30),
  abortIncompleteUploadDays: z.int().min(1).default(1),
  accessLogExpirationDays: z.int().min(1).default(90),
  /** Days an overwritten or deleted object's previous version stays restorable (both buckets). */
  noncurrentVersionExpirationDays: z.int().min(1).default(30),
  rawData: rawData.default({ transitions: [] }),
  removalPolicy: z.enum(["retain", "destroy"]).default("retain"),
});

const glue = z.strictObject({
  databaseName: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,254}$/)
    .default("lakestream"),
  /** First day partition projection offers; queries before it find nothing. */
  projectionStartDate: z.iso.date().default("2026-01-01"),
  /** Known values of value-partition columns, by table then column: projected as `enum` instead of `injected`. */
  partitionValues: z.record(z.string(), z.record(z.string(), z.array(z.string()).min(1))).default({}),
});

/**
 * Which Iceberg catalog registers the published and gold tables of pipelines with
 * `sink.tableFormat: "iceberg"` (the stage functions create and commit them through its Iceberg
 * REST endpoint; endpoints and warehouses in infra/constructs/iceberg-catalog.ts, IAM in
 * infra/catalog-access.ts):
 * - `glue` (default): the Glue Data Catalog; tables live in the lake bucket under `warehouse/`
 *   and appear in `glue.databaseName`, where Athena, EMR and Glue jobs find them;
 * - `s3tables`: Amazon S3 Tables; each pipeline stack creates a table bucket and in it a
 *   namespace named like `glue.databaseName`, and S3 Tables maintains the tables itself.
 */
const catalog = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("glue") }),
  z.strictObject({ type: z.literal("s3tables") }),
]);

const stages = z.strictObject({
  memoryMiB: z.int().min(128).max(10_240).default(2048),
  timeoutSeconds: z.int().min(10).max(900).default(900),
  mapMaxConcurrency: z.int().min(1).max(40).default(4),
  executionTimeoutMinutes: z.int().min(1).max(1440).default(120),
  /** Minutes after a window closes before its run starts, so late records can still land. */
  scheduleDelayMinutes: z.int().min(0).max(59).default(15),
  scheduleEnabled: z.boolean().default(true),
});

const logRetentionDays = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 3653] as const;

const observability = z.strictObject({
  logLevel: z.enum(["DEBUG", "INFO", "WARN", "ERROR"]).default("INFO"),
  logRetentionDays: z
    .int()
    .refine((d) => (logRetentionDays as readonly number[]).includes(d), {
      message: `must be one of ${logRetentionDays.join(", ")}`,
    })
    .default(30),
  stateMachineLogLevel: z.enum(["ALL", "ERROR"]).default("ALL"),
  alarmEmail: z.email().optional(),
  offsetLagThreshold: z.int().min(1).default(100_000),
  quarantinedThreshold: z.int().min(1).default(1),
  /**
   * Hours without a successful run before the freshness alarm fires (published data is then at
   * least this old); default 3 for hourly pipelines, 26 for daily ones.
   */
  freshnessAlarmHours: z.int().min(1).max(168).optional(),
});

/**
 * The file source of pipelines with `source.files`: S3 `Object Created` events of one bucket
 * (the lake bucket unless named) reach an SQS queue through EventBridge and feed the files
 * ingest function. A bucket of your own must send its events to EventBridge (its
 * `EventBridgeConfiguration`); the lake bucket is set up to.
 */
const files = z.strictObject({
  bucketName: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "not a valid S3 bucket name")
    .optional(),
  /** Messages per invocation: each is an object or a unit of one (about `unitMiB`). */
  batchSize: z.int().min(1).max(10).default(2),
  /** Most concurrent invocations the queue's event source starts (Lambda allows 2 to 1000). */
  maxConcurrency: z.int().min(2).max(1000).default(10),
  /** Deliveries of a failing message before it moves to the dead-letter queue (alarmed). */
  maxReceiveCount: z.int().min(1).max(1000).default(5),
  /** Uncompressed line files and Parquet files larger than this are cut into units of about this size. */
  unitMiB: z.int().min(1).max(1024).default(32),
  memoryMiB: z.int().min(128).max(10_240).default(2048),
  timeoutSeconds: z.int().min(10).max(900).default(900),
});

const baseConfig = z.strictObject({
  /** Prefix of every stack name, so two environments can share an account. */
  stackPrefix: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]{0,40}$/)
    .default("Lakestream"),
  /** Leave both out for an environment-agnostic synth (no credentials needed). */
  account: z
    .string()
    .regex(/^\d{12}$/)
    .optional(),
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/)
    .optional(),
  kafka: kafka.default({ mode: "msk-serverless", vpcCidr: "10.42.0.0/16", maxAzs: 2 }),
  ingest: ingest.default(() => ingest.parse({})),
  files: files.default(() => files.parse({})),
  lake: lake.default(() => lake.parse({})),
  glue: glue.default(() => glue.parse({})),
  catalog: catalog.default({ type: "glue" }),
  stages: stages.default(() => stages.parse({})),
  observability: observability.default(() => observability.parse({})),
});

/**
 * S3 Tables names namespaces more strictly than Glue names databases: a letter or digit first,
 * never the reserved prefix `aws` (Amazon S3 User Guide, "Amazon S3 table bucket, table, and
 * namespace naming rules").
 */
export const configSchema = baseConfig.superRefine((c, ctx) => {
  if (c.catalog.type === "s3tables" && !/^(?!aws)[a-z0-9]/.test(c.glue.databaseName)) {
    ctx.addIssue({
      code: "custom",
      path: ["glue", "databaseName"],
      message:
        'with catalog.type "s3tables" (a namespace) it must start with a letter or digit, and not with "aws"',
    });
  }
});

/** Validated deployment settings with every default filled in. */
export type LakestreamConfig = z.output<typeof configSchema>;
export type KafkaConfig = LakestreamConfig["kafka"];
export type CatalogConfig = LakestreamConfig["catalog"];
export type ExistingVpcConfig = z.output<typeof existingVpc>;
