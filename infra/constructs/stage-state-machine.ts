import type { Duration, RemovalPolicy } from "aws-cdk-lib";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import * as tasks from "aws-cdk-lib/aws-stepfunctions-tasks";
import { Construct } from "constructs";
import { LAKE_PREFIX } from "../lake-layout.ts";
import { acknowledge, KMS_ACTIONS, nagArnRef } from "../nag.ts";
import type { LakeBucket } from "./lake-bucket.ts";
import { chainOf, withRetries } from "./task-retries.ts";

/** The later stages, in run order. */
export const LATER_STAGES = ["plan", "compact", "aggregate", "publish", "maintain"] as const;
export type LaterStage = (typeof LATER_STAGES)[number];

/**
 * Stable state names. The local runner (aws-local-stepfunctions) maps a task to a local
 * handler by state name, so these are a contract, like the stage names in placeholder ARNs.
 */
export const STATE_NAMES = {
  plan: "Plan",
  compact: "Compact",
  aggregate: "Aggregate",
  publish: "Publish",
  maintain: "Maintain",
  recordFailure: "RecordFailure",
  forEachPartition: "ForEachPartition",
  succeeded: "Succeeded",
  failed: "Failed",
} as const;

export interface StageStateMachineProps {
  readonly pipeline: string;
  /** The stage functions that exist; missing ones are left out of the chain. */
  readonly stages: Partial<Record<LaterStage, lambda.IFunction>>;
  readonly lake: LakeBucket;
  readonly logLevel: "ALL" | "ERROR";
  readonly logRetentionDays: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  readonly mapMaxConcurrency: number;
  readonly timeout: Duration;
}

/**
 * The run of one pipeline window, in JSONPath (the local runner ignores JSONata):
 * Plan → ForEachPartition(Compact → Aggregate) → Publish → Maintain → Succeeded, and from any step
 * RecordFailure (a JSON document per failed run in the lake) → Failed.
 *
 * Plan returns `{ runId, partitions: [...] }`; each Map item gets `{ pipeline, runId, partition }`.
 */
export class StageStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: StageStateMachineProps) {
    super(scope, id);
    const { stages, pipeline } = props;
    const failurePrefix = LAKE_PREFIX.failures(pipeline);

    const failed = new sfn.Fail(this, STATE_NAMES.failed, {
      error: "LakestreamRunFailed",
      causePath: "$.error.Cause",
    });
    const recordFailure = new tasks.CallAwsService(this, STATE_NAMES.recordFailure, {
      comment:
        "Writes the caught error and the run's input to the lake, so a failed window can be found and re-run",
      service: "s3",
      action: "putObject",
      parameters: {
        Bucket: props.lake.bucket.bucketName,
        Key: sfn.JsonPath.format(`${failurePrefix}{}.json`, sfn.JsonPath.executionName),
        Body: sfn.JsonPath.jsonToString(sfn.JsonPath.entirePayload),
        ContentType: "application/json",
      },
      iamAction: "s3:PutObject",
      iamResources: [props.lake.bucket.arnForObjects(`${failurePrefix}*`)],
      resultPath: "$.failureRecord",
    });
    withRetries(recordFailure, false);
    recordFailure.addCatch(failed, { resultPath: "$.recordFailureError" });
    recordFailure.next(failed);

    const steps: (sfn.TaskStateBase | sfn.Map)[] = [];
    if (stages.plan) steps.push(lambdaTask(this, "plan", stages.plan));
    const perPartition = (["compact", "aggregate"] as const).flatMap((s) => {
      const fn = stages[s];
      return fn ? [lambdaTask(this, s, fn, `$.${s}`)] : [];
    });
    if (perPartition.length > 0) {
      const map = new sfn.Map(this, STATE_NAMES.forEachPartition, {
        comment: "One iteration per closed partition; a failed partition fails the run",
        itemsPath: "$.partitions",
        itemSelector: {
          pipeline,
          "runId.$": "$.runId",
          "partition.$": "$$.Map.Item.Value",
        },
        maxConcurrency: props.mapMaxConcurrency,
        resultPath: "$.results",
      });
      map.itemProcessor(chainOf(perPartition));
      steps.push(map);
    }
    if (stages.publish) steps.push(lambdaTask(this, "publish", stages.publish, "$.published"));
    if (stages.maintain) steps.push(lambdaTask(this, "maintain", stages.maintain, "$.maintained"));
    if (steps.length === 0) throw new Error("StageStateMachine needs at least one stage function");
    for (const step of steps) step.addCatch(recordFailure, { resultPath: "$.error" });

    this.logGroup = new logs.LogGroup(this, "Logs", {
      retention: props.logRetentionDays,
      removalPolicy: props.removalPolicy,
    });
    this.stateMachine = new sfn.StateMachine(this, "StateMachine", {
      comment: `lakestream ${pipeline}: plan, compact and aggregate each closed partition, publish`,
      queryLanguage: sfn.QueryLanguage.JSON_PATH,
      definitionBody: sfn.DefinitionBody.fromChainable(
        chainOf([...steps, new sfn.Succeed(this, STATE_NAMES.succeeded)]),
      ),
      timeout: props.timeout,
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel[props.logLevel], includeExecutionData: true },
    });
    props.lake.key?.grantEncrypt(this.stateMachine);

    acknowledge(
      this.stateMachine,
      "AwsSolutions-IAM5",
      ["Resource::*"],
      "X-Ray tracing and CloudWatch Logs delivery (logs:CreateLogDelivery etc.) have no resource-level permissions",
    );
    acknowledge(
      this.stateMachine,
      "AwsSolutions-IAM5",
      Object.values(stages).map((fn) => `Resource::${nagArnRef(fn)}:*`),
      "LambdaInvoke also grants the function's qualified ARNs (versions, aliases) of exactly these functions",
    );
    acknowledge(
      this.stateMachine,
      "AwsSolutions-IAM5",
      [`Resource::${nagArnRef(props.lake.bucket)}/${failurePrefix}*`],
      "RecordFailure writes one object per failed run under this pipeline's failure prefix; keys hold the execution name",
    );
    if (props.lake.key) {
      acknowledge(
        this.stateMachine,
        "AwsSolutions-IAM5",
        KMS_ACTIONS,
        "key.grantEncrypt: RecordFailure writes to the KMS-encrypted lake",
      );
    }
    if (props.logLevel === "ERROR") {
      acknowledge(
        this.stateMachine,
        "AwsSolutions-SF1",
        [],
        "observability.stateMachineLogLevel is ERROR by the operator's choice, to cut log volume",
      );
    }
  }
}

function lambdaTask(
  scope: Construct,
  stage: LaterStage,
  fn: lambda.IFunction,
  resultPath?: string,
): sfn.TaskStateBase {
  const task = new tasks.LambdaInvoke(scope, STATE_NAMES[stage], {
    comment: `lakestream:handler=functions/${stage}/handler.ts`,
    lambdaFunction: fn,
    // The Lambda's result is the state output directly (Resource = function ARN), which is
    // also the shape a local runner produces by calling the handler.
    payloadResponseOnly: true,
    retryOnServiceExceptions: false,
    ...(resultPath ? { resultPath } : {}),
  });
  return withRetries(task, true);
}
