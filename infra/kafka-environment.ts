import { ConfigError } from "../shared/core/errors.ts";
import type { Pipeline } from "../shared/core/pipeline/types.ts";
import type { KafkaConnection, KafkaNetwork } from "./kafka-connection.ts";

/**
 * How the ingest function reaches Kafka itself to write back (reading is the event source
 * mapping's job), in the variables `shared/runtime` reads: `KAFKA_BROKERS` and
 * `LAKESTREAM_KAFKA_*`. Credentials never go into the environment: SCRAM users and the CA
 * stay in Secrets Manager and are named by ARN. An MSK Serverless cluster's brokers are not
 * known at synth time; the handler finds them from `KAFKA_CLUSTER_ARN` (`kafka:GetBootstrapBrokers`).
 */
export function kafkaEnvironment(pipeline: Pipeline, connection: KafkaConnection): Record<string, string> {
  if (!pipeline.writeBack) return {};
  if (connection.kind === "msk") {
    return {
      KAFKA_CLUSTER_ARN: connection.clusterArn,
      LAKESTREAM_KAFKA_SECURITY: "msk-iam",
      ...(connection.bootstrapServers ? { KAFKA_BROKERS: connection.bootstrapServers.join(",") } : {}),
    };
  }
  return {
    KAFKA_BROKERS: connection.bootstrapServers.join(","),
    LAKESTREAM_KAFKA_SECURITY:
      connection.authentication === "SASL_SCRAM_512" ? "scram-sha-512" : "scram-sha-256",
    LAKESTREAM_KAFKA_TLS: "1",
    LAKESTREAM_KAFKA_SECRET_ARN: connection.secret.secretArn,
    ...(connection.rootCa ? { LAKESTREAM_KAFKA_CA_SECRET_ARN: connection.rootCa.secretArn } : {}),
  };
}

/**
 * The VPC the ingest function must join to produce to Kafka: only for pipelines with write-back
 * and brokers that are private. An MSK cluster is always private, so its VPC must be configured.
 */
export function writeBackNetwork(pipeline: Pipeline, connection: KafkaConnection): KafkaNetwork | undefined {
  if (!pipeline.writeBack) return undefined;
  if (connection.kind === "msk" && !connection.network) {
    throw new ConfigError(
      "lakestream.kafka.vpc",
      `pipeline ${pipeline.name} writes back to Kafka, so the ingest function must join the MSK cluster's VPC`,
    );
  }
  return connection.network;
}
