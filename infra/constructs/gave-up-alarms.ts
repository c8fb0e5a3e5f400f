import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import type * as lambda from "aws-cdk-lib/aws-lambda";

/** Makes one alarm (PipelineAlarms' settings and actions). */
export type AlarmFactory = (
  name: string,
  metric: cloudwatch.IMetric,
  threshold: number,
  description: string,
) => cloudwatch.Alarm;

export interface GaveUpMetrics {
  readonly delivered: cloudwatch.Metric;
  readonly dropped: cloudwatch.Metric;
  readonly deliveryErrors: cloudwatch.Metric;
}

/** A mapping's counts of records Lambda gave up on: sent to the on-failure destination, dropped, or failed to send. */
export function gaveUpMetrics(mapping: lambda.IEventSourceMapping): GaveUpMetrics {
  const metric = (metricName: string) =>
    new cloudwatch.Metric({
      namespace: "AWS/Lambda",
      metricName,
      dimensionsMap: { EventSourceMappingUUID: mapping.eventSourceMappingId },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
    });
  return {
    delivered: metric("OnFailureDestinationDeliveredEventCount"),
    dropped: metric("DroppedEventCount"),
    deliveryErrors: metric("OnFailureDestinationDeliveryErrorCount"),
  };
}

/**
 * One alarm per topic on the records Lambda gave up on (retries or record age exhausted): each
 * is in the lake under `aws/lambda/` or, if that failed too, lost from the pipeline. A function
 * alarm on DestinationDeliveryFailures catches a destination that refuses the record.
 */
export function gaveUpAlarms(
  ingest: lambda.IFunction,
  mappings: readonly { readonly topic: string; readonly mapping: lambda.IEventSourceMapping }[],
  alarm: AlarmFactory,
): cloudwatch.IWidget {
  const lines: cloudwatch.IMetric[] = [];
  mappings.forEach(({ topic, mapping }, i) => {
    const m = gaveUpMetrics(mapping);
    // Ids unique per topic: the dashboard graphs every topic's expression together.
    const total = new cloudwatch.MathExpression({
      expression: `FILL(delivered${i}, 0) + FILL(dropped${i}, 0) + FILL(deliveryErrors${i}, 0)`,
      usingMetrics: {
        [`delivered${i}`]: m.delivered,
        [`dropped${i}`]: m.dropped,
        [`deliveryErrors${i}`]: m.deliveryErrors,
      },
      label: `gave up (${topic})`,
      period: Duration.minutes(5),
    });
    alarm(
      `GaveUp-${topic}`,
      total,
      1,
      `Lambda gave up on records of topic ${topic} (see aws/lambda/ in the lake)`,
    );
    lines.push(total);
  });
  const failures = new cloudwatch.Metric({
    namespace: "AWS/Lambda",
    metricName: "DestinationDeliveryFailures",
    dimensionsMap: { FunctionName: ingest.functionName },
    statistic: cloudwatch.Stats.SUM,
    period: Duration.minutes(5),
  });
  alarm(
    "FailedBatchDeliveryFailures",
    failures,
    1,
    "a batch Lambda gave up on could not be written to the lake",
  );
  return new cloudwatch.GraphWidget({
    title: "Records Lambda gave up on",
    left: [...lines, failures],
    width: 12,
  });
}
