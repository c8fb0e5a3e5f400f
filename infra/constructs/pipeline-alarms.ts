import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type * as sns from "aws-cdk-lib/aws-sns";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import type * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import { gaveUpAlarms } from "./gave-up-alarms.ts";
import { METRICS_NAMESPACE, serviceName } from "./lakestream-function.ts";

export interface PipelineAlarmsProps {
  readonly pipeline: string;
  /** Dashboard name, unique in the account and region (the stack name is). */
  readonly dashboardName: string;
  readonly topic: sns.ITopic;
  readonly ingest?: lambda.IFunction;
  /** Every function of the pipeline by stage, for error and throttle alarms. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** The Kafka event source mapping of each topic (their metrics must be on: MAPPING_METRICS). */
  readonly mappings?: readonly { readonly topic: string; readonly mapping: lambda.IEventSourceMapping }[];
  readonly stateMachine?: sfn.IStateMachine;
  /** Hours without a successful run before the freshness alarm; leave out when nothing schedules runs. */
  readonly freshnessHours?: number;
  /** The schedule's dead-letter queue: a run the Scheduler could not start lands there. */
  readonly scheduleDeadLetters?: sqs.IQueue;
  /** The file source's dead-letter queue: files (or units) that kept failing land there. */
  readonly fileDeadLetters?: sqs.IQueue;
  readonly offsetLagThreshold: number;
  readonly quarantinedThreshold: number;
}

/**
 * What an operator must hear about, sent to one SNS topic, and a dashboard with the same
 * metrics: Kafka consumer lag, batches Lambda gave up on, function errors and throttles,
 * quarantined records, failed or timed-out runs, runs the Scheduler could not start, and data
 * freshness. Missing data counts as fine (an idle pipeline is not broken), except for
 * freshness, whose signal is the absence of successful runs.
 */
export class PipelineAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const action = new actions.SnsAction(props.topic);
    const alarm = (
      name: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      description: string,
      below = false,
    ) => {
      const a = new cloudwatch.Alarm(this, name, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: below
          ? cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD
          : cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: below
          ? cloudwatch.TreatMissingData.BREACHING
          : cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `lakestream ${props.pipeline}: ${description}`,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
      this.alarms.push(a);
      return a;
    };
    const widgets: cloudwatch.IWidget[] = [];

    if (props.ingest) {
      // Lambda publishes OffsetLag for Kafka event source mappings per function.
      const lag = new cloudwatch.Metric({
        namespace: "AWS/Lambda",
        metricName: "OffsetLag",
        dimensionsMap: { FunctionName: props.ingest.functionName },
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.minutes(5),
      });
      alarm("OffsetLag", lag, props.offsetLagThreshold, "Kafka consumer lag is growing");
      // The ingest emits this through Powertools, which adds its `service` dimension.
      const quarantined = new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: "Quarantined",
        dimensionsMap: { service: serviceName("ingest"), pipeline: props.pipeline },
        statistic: cloudwatch.Stats.SUM,
        period: Duration.minutes(5),
      });
      alarm("Quarantined", quarantined, props.quarantinedThreshold, "records are being quarantined");
      widgets.push(
        new cloudwatch.GraphWidget({ title: "Kafka offset lag", left: [lag], width: 12 }),
        new cloudwatch.GraphWidget({ title: "Quarantined records", left: [quarantined], width: 12 }),
      );
    }

    if (props.ingest && props.mappings && props.mappings.length > 0) {
      widgets.push(gaveUpAlarms(props.ingest, props.mappings, alarm));
    }

    for (const [stage, fn] of Object.entries(props.functions)) {
      const title = stage[0]!.toUpperCase() + stage.slice(1);
      const errors = fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM });
      const throttles = fn.metricThrottles({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM });
      alarm(`${title}Errors`, errors, 1, `the ${stage} function fails`);
      alarm(`${title}Throttles`, throttles, 1, `the ${stage} function is throttled`);
      widgets.push(
        new cloudwatch.GraphWidget({
          title: `${stage}: invocations, errors, throttles`,
          left: [fn.metricInvocations({ period: Duration.minutes(5) }), errors, throttles],
          right: [fn.metricDuration({ period: Duration.minutes(5), statistic: cloudwatch.Stats.p(99) })],
          width: 12,
        }),
      );
    }

    if (props.stateMachine) {
      const sm = props.stateMachine;
      const failed = sm.metricFailed({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM });
      const timedOut = sm.metricTimedOut({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM });
      alarm("RunsFailed", failed, 1, "a scheduled run failed");
      alarm("RunsTimedOut", timedOut, 1, "a scheduled run timed out");
      widgets.push(
        new cloudwatch.GraphWidget({
          title: "Runs",
          left: [sm.metricSucceeded({ period: Duration.minutes(5) }), failed, timedOut],
          width: 12,
        }),
      );
    }

    if (props.stateMachine && props.freshnessHours !== undefined) {
      // Freshness from a metric AWS provides: hours since the last successful run. Each run
      // publishes every closed window, so published data is at most this old plus one window.
      const succeeded = props.stateMachine.metricSucceeded({
        period: Duration.hours(props.freshnessHours),
        statistic: cloudwatch.Stats.SUM,
      });
      alarm(
        "Freshness",
        succeeded,
        1,
        `no run succeeded for ${props.freshnessHours} hours: published tables are going stale`,
        true,
      );
    }
    if (props.scheduleDeadLetters) {
      const dead = props.scheduleDeadLetters.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      });
      alarm(
        "ScheduleDeadLetters",
        dead,
        1,
        "the Scheduler could not start a run (see its dead-letter queue)",
      );
    }

    if (props.fileDeadLetters) {
      const dead = props.fileDeadLetters.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      });
      alarm(
        "FileDeadLetters",
        dead,
        1,
        "files could not be ingested (see the file queue's dead-letter queue)",
      );
    }

    widgets.push(
      new cloudwatch.AlarmStatusWidget({ title: "Alarms", alarms: this.alarms, width: 24, height: 4 }),
    );
    this.dashboard = new cloudwatch.Dashboard(this, "Dashboard", {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(6),
      widgets: chunk(widgets, 2),
    });
  }
}

function chunk<T>(items: T[], size: number): T[][] {
  const rows: T[][] = [];
  for (let i = 0; i < items.length; i += size) rows.push(items.slice(i, i + size));
  return rows;
}
