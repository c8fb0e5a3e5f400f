import { pipelineByName } from "../../shared/pipelines/index.ts";
import { parseHandlerEnv } from "../../shared/runtime/env.ts";
import { createIngestHandler } from "../../shared/runtime/ingest-handler.ts";
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
// Imported only for a pipeline that writes back: the Kafka client, its AWS lookups and Avro are a
// third of the bundle, and a cold start evaluates only the modules it imports.
const writeBack = pipeline.writeBack ? await openWriteBack(pipeline) : undefined;
export const handler = createIngestHandler({ pipeline, store, ...(writeBack ? { writeBack } : {}) });

async function openWriteBack(p: typeof pipeline) {
  const [{ resolveKafkaConnection }, { ingestWriteBack }] = await Promise.all([
    import("../../shared/runtime/kafka-connection-aws.ts"),
    import("../../shared/runtime/kafka-write-back.ts"),
  ]);
  return ingestWriteBack(p, await resolveKafkaConnection(process.env));
}
