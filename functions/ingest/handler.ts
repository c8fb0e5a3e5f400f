import { pipelineByName } from "../../shared/pipelines/index.ts";
import { parseHandlerEnv } from "../../shared/runtime/env.ts";
import { createIngestHandler } from "../../shared/runtime/ingest-handler.ts";
import { resolveKafkaConnection } from "../../shared/runtime/kafka-connection-aws.ts";
import { ingestWriteBack } from "../../shared/runtime/kafka-write-back.ts";
import { openStore } from "../../shared/storage/open-store.ts";

/**
 * Lambda entry point of the ingest function, fed by the Kafka event source mapping.
 * Everything is resolved once at cold start, so a wrong setting fails the cold start
 * with the variable named instead of failing every batch.
 */
const env = parseHandlerEnv();
const pipeline = pipelineByName(env.PIPELINE, "env.PIPELINE");
const store = env.LAKE_BUCKET
  ? openStore({ bucket: env.LAKE_BUCKET, ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT } : {}) })
  : openStore({ lake: env.LAKE_DIR! });

// Write-back: brokers from KAFKA_BROKERS or the MSK cluster ARN, SCRAM user and CA from Secrets Manager.
const writeBack = pipeline.writeBack
  ? ingestWriteBack(pipeline, await resolveKafkaConnection(process.env))
  : undefined;
export const handler = createIngestHandler({ pipeline, store, ...(writeBack ? { writeBack } : {}) });
