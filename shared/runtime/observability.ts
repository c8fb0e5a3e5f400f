import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { Tracer } from "@aws-lambda-powertools/tracer";

/** Metric names the ingest emits; the CDK alarms refer to the same names. */
export const METRIC = {
  recordsIn: "RecordsIn",
  rowsWritten: "RowsWritten",
  quarantined: "Quarantined",
  files: "FilesWritten",
  batchLatency: "BatchLatency",
} as const;

export const METRICS_NAMESPACE = "Lakestream";

export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** X-Ray segments of each invocation; off outside Lambda (no AWS_EXECUTION_ENV), so local runs send nothing. */
  readonly tracer: Tracer;
}

/**
 * One Powertools logger, metrics and tracer per function, with the pipeline as a dimension
 * (and trace annotation) so dashboards, alarms and traces split by pipeline. Service name and
 * log level come from the POWERTOOLS_* variables the CDK construct sets.
 */
export function createObservability(pipeline: string): Observability {
  const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? "lakestream";
  const logger = new Logger({ serviceName });
  // Persistent: injectLambdaContext({ resetKeys: true }) clears plain keys after each invocation.
  logger.appendPersistentKeys({ pipeline });
  const metrics = new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
    serviceName,
    defaultDimensions: { pipeline },
    logger,
  });
  return { logger, metrics, tracer: new Tracer({ serviceName }) };
}
