import { existsSync } from "node:fs";
import { join } from "node:path";
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import * as glue from "aws-cdk-lib/aws-glue";
import type * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type * as logs from "aws-cdk-lib/aws-logs";
import * as s3 from "aws-cdk-lib/aws-s3";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import type { Pipeline } from "../../shared/core/pipeline/types.ts";
import { stageDeployed } from "../catalog-access.ts";
import type { LakestreamConfig } from "../config.ts";
import { FileIngest } from "../constructs/file-ingest.ts";
import { IcebergCatalog } from "../constructs/iceberg-catalog.ts";
import { KafkaIngest } from "../constructs/kafka-ingest.ts";
import { LakeBucket } from "../constructs/lake-bucket.ts";
import { LakestreamFunction } from "../constructs/lakestream-function.ts";
import { PipelineAlarms } from "../constructs/pipeline-alarms.ts";
import { PublishedTables } from "../constructs/published-tables.ts";
import { scheduleRuns } from "../constructs/run-schedule.ts";
import { LATER_STAGES, type LaterStage, StageStateMachine } from "../constructs/stage-state-machine.ts";
import { glueTableInput, rawTableName } from "../glue-table-input.ts";
import { kafkaConnection } from "../kafka-connection.ts";
import {
  grantKafkaWrite,
  kafkaEnvironment,
  writeBackNetwork,
  writeBackTopics,
} from "../kafka-environment.ts";
import {
  assertFileSourcePrefix,
  assertOwnPrefixes,
  LAKE_PREFIX,
  type LakeRole,
  type LayoutOptions,
  lakeAccess,
} from "../lake-layout.ts";
import {
  FUNCTIONS_DIR,
  INGEST_NODE_OPTIONS,
  INGEST_WORKERS,
  PROJECT_ROOT,
  type Stage,
  stageEntries,
} from "../stage-entries.ts";
import type { SharedStack } from "./shared-stack.ts";

export interface PipelineStackProps extends StackProps {
  readonly config: LakestreamConfig;
  readonly pipeline: Pipeline;
  readonly shared: SharedStack;
  /** Where `<stage>/handler.ts` files are looked up; tests point this at fixtures. */
  readonly functionsDir?: string;
}

/**
 * Everything one pipeline definition implies: its Glue table, the ingest function fed by Kafka,
 * the later-stage functions chained by a scheduled state machine, alarms and a dashboard.
 */
export class PipelineStack extends Stack {
  readonly functions: Partial<Record<Stage, LakestreamFunction>> = {};
  readonly lake: LakeBucket;
  readonly table: glue.CfnTable;
  readonly published: PublishedTables;
  readonly runs?: StageStateMachine;
  /** Where the Scheduler puts a run it could not start (after its retries). */
  readonly scheduleDeadLetters?: sqs.Queue;
  readonly kafkaIngest?: KafkaIngest;
  /** The file source's queue, rule and dead-letter queue (pipelines with `source.files`). */
  readonly fileIngest?: FileIngest;
  readonly filesFunction?: LakestreamFunction;
  /** Where the Iceberg tables are registered (Iceberg pipelines only). */
  readonly catalog?: IcebergCatalog;
  /** Where the published tables live; the grants of every stage follow it. */
  readonly layout: LayoutOptions;
  readonly #pipeline: Pipeline;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { config, pipeline, shared } = props;
    this.#pipeline = pipeline;
    const removalPolicy =
      config.lake.removalPolicy === "destroy" ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const retention = config.observability.logRetentionDays as logs.RetentionDays;
    // The table names the database by value, so CloudFormation cannot see the dependency.
    this.addStackDependency(shared, "the Glue table needs the Glue database");

    this.layout = {
      namespace: config.glue.databaseName,
      hivePublished: pipeline.sink.tableFormat === "hive",
    };
    assertOwnPrefixes(pipeline);
    const filesInLake = pipeline.source.files !== undefined && config.files.bucketName === undefined;
    if (filesInLake) assertFileSourcePrefix(pipeline);
    this.lake = new LakeBucket(this, "Lake", {
      ...config.lake,
      eventBridge: filesInLake,
      quarantinePrefixes: [pipeline.quarantine.prefix],
      rawPrefixes: {
        data: LAKE_PREFIX.raw(pipeline.sink.table),
        commits: LAKE_PREFIX.commits(pipeline.sink.table),
      },
      removalPolicy,
    });
    const bucket = this.lake.bucket;
    const iceberg = pipeline.sink.tableFormat === "iceberg";
    if (iceberg) {
      this.catalog = new IcebergCatalog(this, "Catalog", {
        catalog: config.catalog,
        pipeline,
        namespace: config.glue.databaseName,
        removalPolicy,
        unreferencedDays: Math.max(1, Math.ceil(pipeline.maintenance.orphanFileAgeHours / 24)),
        noncurrentDays: config.lake.noncurrentVersionExpirationDays,
      });
    }

    const tableOptions = {
      bucketName: bucket.bucketName,
      projectionStartDate: config.glue.projectionStartDate,
      partitionValues: config.glue.partitionValues[pipeline.sink.table],
    };
    this.table = new glue.CfnTable(this, "Table", {
      catalogId: this.account,
      databaseName: shared.databaseName,
      tableInput: glueTableInput(pipeline, tableOptions),
    });
    // What Athena users query: the raw table may hold an offset twice, these hold it once
    // (Iceberg tables: created by the plan stage through the catalog, named in outputs).
    this.published = new PublishedTables(this, "Published", {
      ...tableOptions,
      pipeline,
      catalogId: this.account,
      databaseName: shared.databaseName,
    });

    const connection = kafkaConnection(this, config.kafka, shared.kafka);
    const entries = stageEntries(props.functionsDir);
    const common = {
      pipeline: pipeline.name,
      lakeBucketName: bucket.bucketName,
      projectRoot: PROJECT_ROOT,
      logLevel: config.observability.logLevel,
      logRetentionDays: retention,
      removalPolicy,
    };

    // Functions that produce to Kafka (write-back) get its address, its VPC and write rights.
    const producer = (stage: "ingest" | "publish") => {
      const topics = writeBackTopics(pipeline, stage);
      return {
        topics,
        environment: kafkaEnvironment(connection, topics),
        vpc: writeBackNetwork(pipeline, connection, topics),
      };
    };

    if (entries.ingest && pipeline.source.topics.length > 0) {
      const writes = producer("ingest");
      const ingest = new LakestreamFunction(this, "Ingest", {
        ...common,
        entry: entries.ingest,
        stage: "ingest",
        workerEntries: INGEST_WORKERS,
        nodeOptions: INGEST_NODE_OPTIONS,
        memoryMiB: config.ingest.memoryMiB,
        timeout: Duration.seconds(config.ingest.timeoutSeconds),
        environment: writes.environment,
        vpc: writes.vpc,
      });
      grantKafkaWrite(ingest.role, connection, writes.topics, pipeline.source.topics);
      this.functions.ingest = ingest;
      this.kafkaIngest = new KafkaIngest(this, "KafkaIngest", {
        pipeline,
        ingest,
        connection,
        lake: this.lake,
        settings: config.ingest,
      });
      this.grantLake(ingest.role, "ingest");
    }

    const filesEntry = join(props.functionsDir ?? FUNCTIONS_DIR, "ingest-files", "handler.ts");
    if (pipeline.source.files && existsSync(filesEntry)) {
      const fn = new LakestreamFunction(this, "IngestFiles", {
        ...common,
        entry: filesEntry,
        stage: "ingest-files",
        workerEntries: INGEST_WORKERS,
        nodeOptions: INGEST_NODE_OPTIONS,
        memoryMiB: config.files.memoryMiB,
        timeout: Duration.seconds(config.files.timeoutSeconds),
        environment: { FILES_UNIT_MIB: String(config.files.unitMiB) },
      });
      this.grantLake(fn.role, "ingest-files");
      this.fileIngest = new FileIngest(this, "FileIngest", {
        pipeline,
        ingest: fn,
        lake: this.lake,
        source: config.files.bucketName
          ? s3.Bucket.fromBucketName(this, "FileSource", config.files.bucketName)
          : bucket,
        settings: config.files,
      });
      fn.function.addEnvironment("FILES_QUEUE_URL", this.fileIngest.queue.queueUrl);
      this.filesFunction = fn;
    }

    const stageFunctions: Partial<Record<LaterStage, lambda.IFunction>> = {};
    for (const stage of LATER_STAGES) {
      const entry = entries[stage];
      if (!entry || !stageDeployed(config.catalog, stage, iceberg)) continue;
      const writes = stage === "publish" ? producer("publish") : undefined;
      const fn = new LakestreamFunction(this, stage[0]!.toUpperCase() + stage.slice(1), {
        ...common,
        entry,
        stage,
        memoryMiB: config.stages.memoryMiB,
        timeout: Duration.seconds(config.stages.timeoutSeconds),
        environment: { ...writes?.environment, ...this.catalog?.environment },
        vpc: writes?.vpc,
      });
      if (writes) grantKafkaWrite(fn.role, connection, writes.topics, pipeline.source.topics);
      this.catalog?.grant(fn.role, stage);
      this.grantLake(fn.role, stage);
      this.functions[stage] = fn;
      stageFunctions[stage] = fn.function;
    }

    if (Object.keys(stageFunctions).length > 0) {
      this.runs = new StageStateMachine(this, "Runs", {
        pipeline: pipeline.name,
        stages: stageFunctions,
        lake: this.lake,
        logLevel: config.observability.stateMachineLogLevel,
        logRetentionDays: retention,
        removalPolicy,
        mapMaxConcurrency: config.stages.mapMaxConcurrency,
        timeout: Duration.minutes(config.stages.executionTimeoutMinutes),
      });
      this.scheduleDeadLetters = scheduleRuns(this, pipeline, config, this.runs.stateMachine);
      new CfnOutput(this, "StateMachineArn", { value: this.runs.stateMachine.stateMachineArn });
    }

    new PipelineAlarms(this, "Alarms", {
      pipeline: pipeline.name,
      dashboardName: this.stackName,
      topic: shared.alarmTopic,
      ingest: this.functions.ingest?.function,
      mappings: this.kafkaIngest?.mappings,
      freshnessHours:
        this.runs && config.stages.scheduleEnabled
          ? (config.observability.freshnessAlarmHours ??
            (pipeline.partitioning.granularity === "hour" ? 3 : 26))
          : undefined,
      scheduleDeadLetters: this.scheduleDeadLetters,
      functions: {
        ...Object.fromEntries(Object.entries(this.functions).map(([s, f]) => [s, f.function])),
        ...(this.filesFunction ? { ingestFiles: this.filesFunction.function } : {}),
      },
      ...(this.fileIngest ? { fileDeadLetters: this.fileIngest.deadLetters } : {}),
      stateMachine: this.runs?.stateMachine,
      offsetLagThreshold: config.observability.offsetLagThreshold,
      quarantinedThreshold: config.observability.quarantinedThreshold,
    });

    new CfnOutput(this, "LakeBucketName", { value: bucket.bucketName, description: "The lake bucket" });
    new CfnOutput(this, "TableName", { value: `${shared.databaseName}.${rawTableName(pipeline)}` });
    new CfnOutput(this, "TableLocation", { value: `s3://${bucket.bucketName}/${pipeline.sink.table}/` });
    if (this.functions.ingest)
      new CfnOutput(this, "IngestFunctionName", { value: this.functions.ingest.function.functionName });
  }

  /**
   * Gives a stage's role exactly its prefixes of the lake (lake-layout.ts). `maintain` is the
   * only role that may delete, and only under `warehouse/`; its function is added with its stage.
   */
  grantLake(role: iam.IRole, stage: LakeRole): void {
    const why: Record<LakeRole, string> = {
      ingest: "the ingest writes and reads back its raw files, quarantine and commit records",
      "ingest-files":
        "the files ingest writes and reads back its raw files, quarantine, commit records and file plans",
      plan: "plan reads commit records, raw data and table metadata and writes its run documents",
      compact: "compact reads raw data and run documents and writes its table's data files",
      aggregate:
        "aggregate reads raw data and run documents and writes its gold tables' data files and late records",
      publish: "publish reads run documents and the warehouse and writes table metadata and the run record",
      maintain: "maintain rewrites manifests, expires snapshots and removes orphan files of the warehouse",
    };
    this.lake.grantAccess(role, lakeAccess(this.#pipeline, stage, this.layout), why[stage]);
  }
}
