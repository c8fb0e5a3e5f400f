import { ConfigError } from "../../shared/core/errors.ts";
import { pipelineByName } from "../../shared/pipelines/index.ts";
import { parseHandlerEnv } from "../../shared/runtime/env.ts";
import { createIngestHandler } from "../../shared/runtime/ingest-handler.ts";
import { connectionFromEnv } from "../../shared/runtime/kafka-connection.ts";
import { KafkaWriteBack } from "../../shared/runtime/kafka-write-back.ts";
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

function writeBackSink() {
  if (!pipeline.writeBack) return undefined;
  if (!env.KAFKA_BROKERS)
    throw new ConfigError("env.KAFKA_BROKERS", "the pipeline writes back to Kafka; set the brokers");
  const connection = connectionFromEnv(process.env, env.KAFKA_BROKERS);
  return new KafkaWriteBack({ connection, topic: pipeline.writeBack.topic });
}

const writeBack = writeBackSink();
export const handler = createIngestHandler({ pipeline, store, ...(writeBack ? { writeBack } : {}) });
