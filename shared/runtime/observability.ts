import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";

/** Metric names the ingest emits; the CDK alarms refer to the same names. */
export const METRIC = {
  recordsIn: "RecordsIn",
  rowsWritten: "RowsWritten",
  quarantined: "Quarantined",
  files: "FilesWritten",
  batchLatency: "BatchLatency",
} as const;

export const METRICS_NAMESPACE = "Lakestream";

/**
 * One Powertools logger and metrics pair per function, with the pipeline as a dimension
 * so dashboards and alarms split by pipeline. Service name and log level come from the
 * POWERTOOLS_* variables the CDK construct sets.
 */
export function createObservability(pipeline: string): { logger: Logger; metrics: Metrics } {
  const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "lakestream" });
  // Persistent: injectLambdaContext({ resetKeys: true }) clears plain keys after each invocation.
  logger.appendPersistentKeys({ pipeline });
  const metrics = new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "lakestream",
    defaultDimensions: { pipeline },
    logger,
  });
  return { logger, metrics };
}
