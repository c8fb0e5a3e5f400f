import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, TimeZone } from "aws-cdk-lib";
import * as glue from "aws-cdk-lib/aws-glue";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type * as logs from "aws-cdk-lib/aws-logs";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import * as targets from "aws-cdk-lib/aws-scheduler-targets";
import type { Construct } from "constructs";
import type { Pipeline } from "../../shared/core/pipeline/types.ts";
import type { LakestreamConfig } from "../config.ts";
import { KafkaIngest } from "../constructs/kafka-ingest.ts";
import { LakeBucket } from "../constructs/lake-bucket.ts";
import { LakestreamFunction } from "../constructs/lakestream-function.ts";
import { PipelineAlarms } from "../constructs/pipeline-alarms.ts";
import { PublishedTables } from "../constructs/published-tables.ts";
import { LATER_STAGES, type LaterStage, StageStateMachine } from "../constructs/stage-state-machine.ts";
import { glueTableInput } from "../glue-table-input.ts";
import { kafkaConnection } from "../kafka-connection.ts";
import {
  grantKafkaWrite,
  kafkaEnvironment,
  writeBackNetwork,
  writeBackTopics,
} from "../kafka-environment.ts";
import { PROJECT_ROOT, type Stage, stageEntries } from "../stage-entries.ts";
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

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { config, pipeline, shared } = props;
    const removalPolicy =
      config.lake.removalPolicy === "destroy" ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const retention = config.observability.logRetentionDays as logs.RetentionDays;
    // The table names the database by value, so CloudFormation cannot see the dependency.
    this.addStackDependency(shared, "the Glue table needs the Glue database");

    this.lake = new LakeBucket(this, "Lake", {
      ...config.lake,
      quarantinePrefixes: [pipeline.quarantine.prefix],
      removalPolicy,
    });
    const bucket = this.lake.bucket;

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
    // What Athena users query: the raw table may hold an offset twice, these hold it once.
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

    if (entries.ingest) {
      const writes = producer("ingest");
      const ingest = new LakestreamFunction(this, "Ingest", {
        ...common,
        entry: entries.ingest,
        stage: "ingest",
        memoryMiB: config.ingest.memoryMiB,
        timeout: Duration.seconds(config.ingest.timeoutSeconds),
        environment: writes.environment,
        vpc: writes.vpc,
      });
      grantKafkaWrite(ingest.role, connection, writes.topics, pipeline.source.topics);
      this.functions.ingest = ingest;
      new KafkaIngest(this, "KafkaIngest", {
        pipeline,
        ingest,
        connection,
        lake: this.lake,
        settings: config.ingest,
      });
    }

    const stageFunctions: Partial<Record<LaterStage, lambda.IFunction>> = {};
    for (const stage of LATER_STAGES) {
      const entry = entries[stage];
      if (!entry) continue;
      const writes = stage === "publish" ? producer("publish") : undefined;
      const fn = new LakestreamFunction(this, stage[0]!.toUpperCase() + stage.slice(1), {
        ...common,
        entry,
        stage,
        memoryMiB: config.stages.memoryMiB,
        timeout: Duration.seconds(config.stages.timeoutSeconds),
        environment: writes?.environment,
        vpc: writes?.vpc,
      });
      if (writes) grantKafkaWrite(fn.role, connection, writes.topics, pipeline.source.topics);
      // Plan lists and reads, and writes the run's plan document (_lakestream/runs/…) that the
      // other stages read; the others rewrite files, so they also delete.
      if (stage === "plan")
        this.lake.grantTo(
          fn.role,
          "readWrite",
          "plan reads commit records and manifests and writes the run's plan",
        );
      else this.lake.grantTo(fn.role, "readWrite", `${stage} reads, writes and replaces files of its tables`);
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
      this.schedule(pipeline, config, this.runs);
      new CfnOutput(this, "StateMachineArn", { value: this.runs.stateMachine.stateMachineArn });
    }

    new PipelineAlarms(this, "Alarms", {
      pipeline: pipeline.name,
      dashboardName: this.stackName,
      topic: shared.alarmTopic,
      ingest: this.functions.ingest?.function,
      functions: Object.fromEntries(Object.entries(this.functions).map(([s, f]) => [s, f.function])),
      stateMachine: this.runs?.stateMachine,
      offsetLagThreshold: config.observability.offsetLagThreshold,
      quarantinedThreshold: config.observability.quarantinedThreshold,
    });

    new CfnOutput(this, "LakeBucketName", { value: bucket.bucketName, description: "The lake bucket" });
    new CfnOutput(this, "TableName", { value: `${shared.databaseName}.${pipeline.sink.table}` });
    new CfnOutput(this, "TableLocation", { value: `s3://${bucket.bucketName}/${pipeline.sink.table}/` });
    if (this.functions.ingest)
      new CfnOutput(this, "IngestFunctionName", { value: this.functions.ingest.function.functionName });
  }

  /**
   * One run per window, a few minutes after it closes (`stages.scheduleDelayMinutes`) so late
   * records have landed. The input names the window's end; Plan decides which partitions are closed.
   */
  private schedule(pipeline: Pipeline, config: LakestreamConfig, runs: StageStateMachine): void {
    const minute = String(config.stages.scheduleDelayMinutes);
    new scheduler.Schedule(this, "Schedule", {
      description: `lakestream ${pipeline.name}: one run per ${pipeline.partitioning.granularity}`,
      schedule: scheduler.ScheduleExpression.cron({
        minute,
        hour: pipeline.partitioning.granularity === "hour" ? "*" : "0",
        timeZone: TimeZone.ETC_UTC,
      }),
      enabled: config.stages.scheduleEnabled,
      target: new targets.StepFunctionsStartExecution(runs.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject({
          pipeline: pipeline.name,
          trigger: "schedule",
          scheduledTime: scheduler.ContextAttribute.scheduledTime,
        }),
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
      }),
    });
  }
}
