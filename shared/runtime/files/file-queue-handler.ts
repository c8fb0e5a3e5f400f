import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { captureLambdaHandler } from "@aws-lambda-powertools/tracer/middleware";
import middy from "@middy/core";
import type { Context, SQSBatchResponse } from "aws-lambda";
import { createObservability, METRIC } from "../observability.ts";
import {
  createFileQueueIngest,
  type FileQueueDeps,
  type QueueRecord,
  type QueueResult,
} from "./queue-ingest.ts";

export type FileQueueHandler = ((
  event: { Records: readonly QueueRecord[] },
  context: Context,
) => Promise<SQSBatchResponse>) & {
  /** What the last invocation did with each message, for tests and `lakestream invoke`. */
  readonly lastResult: () => QueueResult | undefined;
};

/**
 * The Lambda handler of the file ingest, fed by the SQS event source with partial batch
 * responses: only the messages that failed are delivered again. Logs name objects and counts,
 * never record contents.
 */
export function createFileQueueHandler(deps: FileQueueDeps): FileQueueHandler {
  const { logger, metrics, tracer } = createObservability(deps.pipeline.name);
  const ingest = createFileQueueIngest(deps);
  let last: QueueResult | undefined;
  const base = async (event: { Records: readonly QueueRecord[] }): Promise<SQSBatchResponse> => {
    tracer.putAnnotation("pipeline", deps.pipeline.name);
    const result = await ingest(event.Records ?? []);
    last = result;
    let records = 0;
    let rows = 0;
    let bad = 0;
    for (const o of result.outcomes) {
      records += o.records ?? 0;
      rows += o.rowsWritten ?? 0;
      bad += o.quarantined ?? 0;
      const level = o.result === "failed" ? "error" : "info";
      logger[level]("message done", { ...o });
    }
    metrics.addMetric(METRIC.recordsIn, MetricUnit.Count, records);
    metrics.addMetric(METRIC.rowsWritten, MetricUnit.Count, rows);
    metrics.addMetric(METRIC.quarantined, MetricUnit.Count, bad);
    return { batchItemFailures: result.batchItemFailures };
  };
  const handler = middy(base)
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
  return Object.assign(
    (event: { Records: readonly QueueRecord[] }, context: Context) => handler(event, context),
    { lastResult: () => last },
  );
}
