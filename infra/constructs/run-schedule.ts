import { Duration, TimeZone } from "aws-cdk-lib";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import * as targets from "aws-cdk-lib/aws-scheduler-targets";
import * as sqs from "aws-cdk-lib/aws-sqs";
import type * as sfn from "aws-cdk-lib/aws-stepfunctions";
import type { Construct } from "constructs";
import type { Pipeline } from "../../shared/core/pipeline/types.ts";
import type { LakestreamConfig } from "../config.ts";
import { acknowledge } from "../nag.ts";

/**
 * One run per window, a few minutes after it closes (`stages.scheduleDelayMinutes`) so late
 * records have landed. The input names the window's end; Plan decides which partitions are closed.
 * A run the Scheduler cannot start after its retries goes to a dead-letter queue (alarmed), so
 * a missed window is visible and can be started by hand with the input kept there. Returns
 * that queue. Resources are created in `scope` directly, so their logical ids stay stable.
 */
export function scheduleRuns(
  scope: Construct,
  pipeline: Pipeline,
  config: LakestreamConfig,
  stateMachine: sfn.IStateMachine,
): sqs.Queue {
  const deadLetters = new sqs.Queue(scope, "ScheduleDeadLetters", {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  acknowledge(
    deadLetters,
    "AwsSolutions-SQS3",
    [],
    "This queue is the schedule's dead-letter queue; a dead-letter queue of its own would only move the same messages",
  );
  new scheduler.Schedule(scope, "Schedule", {
    description: `lakestream ${pipeline.name}: one run per ${pipeline.partitioning.granularity}`,
    schedule: scheduler.ScheduleExpression.cron({
      minute: String(config.stages.scheduleDelayMinutes),
      hour: pipeline.partitioning.granularity === "hour" ? "*" : "0",
      timeZone: TimeZone.ETC_UTC,
    }),
    enabled: config.stages.scheduleEnabled,
    target: new targets.StepFunctionsStartExecution(stateMachine, {
      input: scheduler.ScheduleTargetInput.fromObject({
        pipeline: pipeline.name,
        trigger: "schedule",
        scheduledTime: scheduler.ContextAttribute.scheduledTime,
      }),
      retryAttempts: 3,
      maxEventAge: Duration.hours(1),
      deadLetterQueue: deadLetters,
    }),
  });
  return deadLetters;
}
