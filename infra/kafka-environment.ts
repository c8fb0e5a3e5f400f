import * as iam from "aws-cdk-lib/aws-iam";
import { ConfigError } from "../shared/core/errors.ts";
import type { Pipeline } from "../shared/core/pipeline/types.ts";
import { type KafkaConnection, type KafkaNetwork, mskResourceArn } from "./kafka-connection.ts";

/**
 * Topics a stage produces to: the ingest writes transformed rows back (`writeBack`), publish
 * writes gold tables that declare their own `writeBack`.
 */
export function writeBackTopics(pipeline: Pipeline, stage: "ingest" | "publish"): string[] {
  if (stage === "ingest") return pipeline.writeBack ? [pipeline.writeBack.topic] : [];
  const tables = pipeline.aggregations?.tables ?? [];
  return [...new Set(tables.flatMap((t) => (t.writeBack ? [t.writeBack.topic] : [])))];
}

/**
 * How a function reaches Kafka itself to produce (reading is the event source mapping's job),
 * in the variables `shared/runtime` reads: `KAFKA_BROKERS` and `LAKESTREAM_KAFKA_*`. Credentials
 * never go into the environment: SCRAM users and the CA stay in Secrets Manager, named by ARN.
 * An MSK Serverless cluster's brokers are not known at synth time; the handler finds them from
 * `KAFKA_CLUSTER_ARN` (`kafka:GetBootstrapBrokers`).
 */
export function kafkaEnvironment(
  connection: KafkaConnection,
  topics: readonly string[],
): Record<string, string> {
  if (topics.length === 0) return {};
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
 * The VPC a producing function must join: only when it produces and the brokers are private.
 * An MSK cluster is always private, so its VPC must be configured.
 */
export function writeBackNetwork(
  pipeline: Pipeline,
  connection: KafkaConnection,
  topics: readonly string[],
): KafkaNetwork | undefined {
  if (topics.length === 0) return undefined;
  if (connection.kind === "msk" && !connection.network) {
    throw new ConfigError(
      "lakestream.kafka.vpc",
      `pipeline ${pipeline.name} writes to Kafka (${topics.join(", ")}), so its functions must join the MSK cluster's VPC`,
    );
  }
  return connection.network;
}

/**
 * Lets a function produce to `topics`: MSK IAM rights on exactly those topics (creating them
 * too, sized like the source), or the SCRAM secrets. `sourceTopics` may be described, to read
 * their partition count.
 */
export function grantKafkaWrite(
  role: iam.IRole,
  connection: KafkaConnection,
  topics: readonly string[],
  sourceTopics: readonly string[] = [],
): void {
  if (topics.length === 0) return;
  if (connection.kind === "self-managed") {
    connection.secret.grantRead(role);
    connection.rootCa?.grantRead(role);
    return;
  }
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ["kafka:GetBootstrapBrokers", "kafka:DescribeClusterV2", "kafka-cluster:Connect"],
      resources: [connection.clusterArn],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ["kafka-cluster:DescribeTopic", "kafka-cluster:CreateTopic", "kafka-cluster:WriteData"],
      resources: topics.map((t) => mskResourceArn(connection.clusterArn, "topic", t)),
    }),
  );
  if (sourceTopics.length > 0) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["kafka-cluster:DescribeTopic"],
        resources: sourceTopics.map((t) => mskResourceArn(connection.clusterArn, "topic", t)),
      }),
    );
  }
}
