import { catalogFromEnv, openCatalog } from "../../catalog/open-catalog.ts";
import { pipelineByName } from "../../pipelines/index.ts";
import { openStore } from "../../storage/open-store.ts";
import { tableFiles } from "../../storage/table-files.ts";
import type { HandlerEnv } from "../env.ts";
import type { KafkaConnection } from "../kafka-connection.ts";
import { KafkaWriteBack } from "../kafka-write-back.ts";
import type { StageDeps } from "./stage-deps.ts";

/**
 * Builds a stage's dependencies from its parsed environment, once per cold start, so every
 * stage handler stays a few lines and a wrong setting fails the cold start with its name.
 * `connection` (publish only, resolved by `resolveKafkaConnection`) turns on the gold tables'
 * write-back to Kafka.
 */
export function stageEnvDeps(env: HandlerEnv, connection?: KafkaConnection): StageDeps {
  const pipeline = pipelineByName(env.PIPELINE, "env.PIPELINE");
  const store = env.LAKE_BUCKET
    ? openStore({ bucket: env.LAKE_BUCKET, ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT } : {}) })
    : openStore({ lake: env.LAKE_DIR! });
  const { config, namespace } = catalogFromEnv(process.env);
  const opened = openCatalog(config, store);
  const catalog = {
    catalog: opened,
    ...(namespace ? { namespace } : {}),
    // Tables the catalog places outside the lake (S3 Tables) are written through their own bucket.
    ...(opened.assignsLocations ? { files: tableFiles(store, (bucket) => openStore({ bucket })) } : {}),
  };
  if (!connection) return { pipeline, store, ...catalog };
  const sinks = new Map<string, KafkaWriteBack>();
  const writeBack = (topic: string) => {
    let sink = sinks.get(topic);
    if (!sink) {
      const partitions = pipeline.aggregations?.tables.find((t) => t.writeBack?.topic === topic)?.writeBack
        ?.partitions;
      sink = new KafkaWriteBack({
        connection,
        topic,
        sourceTopics: pipeline.source.topics,
        ...(partitions ? { partitions } : {}),
      });
      sinks.set(topic, sink);
    }
    return sink;
  };
  return { pipeline, store, writeBack, ...catalog };
}
