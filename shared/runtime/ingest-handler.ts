import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { captureLambdaHandler } from "@aws-lambda-powertools/tracer/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import type { KafkaBatchResponse } from "../core/kafka-event.ts";
import { createIngest, type IngestDeps, type IngestSummary } from "./ingest.ts";
import { createObservability, METRIC } from "./observability.ts";

export type IngestHandler = ((event: unknown, context: Context) => Promise<KafkaBatchResponse>) & {
  /** The summary of the last batch, for `lakestream invoke` to print. */
  readonly lastSummary: () => IngestSummary | undefined;
  /** Why the last batch asked for a retry (its first transient error), if it did. */
  readonly lastFailure: () => string | undefined;
};

/**
 * The ingest Lambda handler, built from its dependencies so Lambda (store from env), the
 * local event source and tests (real local stores) run the very same code.
 */
export function createIngestHandler(deps: IngestDeps): IngestHandler {
  const { logger, metrics, tracer } = createObservability(deps.pipeline.name);
  const ingest = createIngest(deps);
  let last: IngestSummary | undefined;
  let lastFailure: string | undefined;

  const base = async (event: unknown): Promise<KafkaBatchResponse> => {
    const started = performance.now();
    tracer.putAnnotation("pipeline", deps.pipeline.name);
    const { summary, response, replay, failure } = await ingest(event);
    last = summary;
    lastFailure = failure;
    metrics.addMetric(METRIC.recordsIn, MetricUnit.Count, summary.recordsIn);
    metrics.addMetric(METRIC.rowsWritten, MetricUnit.Count, replay ? 0 : summary.rowsWritten);
    metrics.addMetric(METRIC.quarantined, MetricUnit.Count, replay ? 0 : summary.quarantined);
    metrics.addMetric(METRIC.files, MetricUnit.Count, replay ? 0 : summary.files.length);
    metrics.addMetric(METRIC.batchLatency, MetricUnit.Milliseconds, performance.now() - started);
    // Counts and coordinates only: payloads never reach the logs.
    logger.info("batch done", {
      replay,
      batch: summary.batch,
      recordsIn: summary.recordsIn,
      rowsWritten: summary.rowsWritten,
      quarantined: summary.quarantined,
      files: summary.files.length,
      failures: response.batchItemFailures,
      ...(failure === undefined ? {} : { failure }),
    });
    return response;
  };

  const handler = middy(base)
    // The response lists failed offsets only, but a trace is no place for a handler's output.
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
  return Object.assign((event: unknown, context: Context) => handler(event, context), {
    lastSummary: () => last,
    lastFailure: () => lastFailure,
  });
}
