import { pipelineByName } from "../../pipelines/index.ts";
import { openStore } from "../../storage/open-store.ts";
import type { HandlerEnv } from "../env.ts";
import { connectionFromEnv } from "../kafka-connection.ts";
import { KafkaWriteBack } from "../kafka-write-back.ts";
import type { StageDeps } from "./stage-deps.ts";

/**
 * Builds a stage's dependencies from its parsed environment, once per cold start, so every
 * stage handler stays a few lines and a wrong setting fails the cold start with its name.
 */
export function stageEnvDeps(env: HandlerEnv): StageDeps {
  const pipeline = pipelineByName(env.PIPELINE, "env.PIPELINE");
  const store = env.LAKE_BUCKET
    ? openStore({ bucket: env.LAKE_BUCKET, ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT } : {}) })
    : openStore({ lake: env.LAKE_DIR! });
  if (!env.KAFKA_BROKERS) return { pipeline, store };
  const connection = connectionFromEnv(process.env, env.KAFKA_BROKERS);
  const sinks = new Map<string, KafkaWriteBack>();
  const writeBack = (topic: string) => {
    let sink = sinks.get(topic);
    if (!sink) {
      sink = new KafkaWriteBack({ connection, topic });
      sinks.set(topic, sink);
    }
    return sink;
  };
  return { pipeline, store, writeBack };
}
