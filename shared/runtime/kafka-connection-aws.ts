import {
  GetBootstrapBrokersCommand,
  type GetBootstrapBrokersCommandOutput,
  KafkaClient,
} from "@aws-sdk/client-kafka";
import {
  GetSecretValueCommand,
  type GetSecretValueCommandOutput,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { ConfigError } from "../core/errors.ts";
import { connectionFromEnv, type KafkaConnection, validateConnection } from "./kafka-connection.ts";

/** The one call made to MSK; a stand-in in unit tests, a `KafkaClient` in Lambda. */
export interface BootstrapBrokersClient {
  send(command: GetBootstrapBrokersCommand): Promise<Pick<GetBootstrapBrokersCommandOutput, BrokerField>>;
}

/** The one call made to Secrets Manager; a stand-in in unit tests, a `SecretsManagerClient` in Lambda. */
export interface SecretValueClient {
  send(
    command: GetSecretValueCommand,
  ): Promise<Pick<GetSecretValueCommandOutput, "SecretString" | "SecretBinary">>;
}

export interface AwsKafkaClients {
  readonly kafka?: BootstrapBrokersClient;
  readonly secrets?: SecretValueClient;
}

type BrokerField =
  | "BootstrapBrokerString"
  | "BootstrapBrokerStringTls"
  | "BootstrapBrokerStringSaslScram"
  | "BootstrapBrokerStringSaslIam";

/** Which GetBootstrapBrokers string matches each security mode (MSK listens on one port per mode). */
const BROKER_FIELD: Readonly<Record<string, BrokerField>> = {
  "msk-iam": "BootstrapBrokerStringSaslIam",
  "scram-sha-512": "BootstrapBrokerStringSaslScram",
  "scram-sha-256": "BootstrapBrokerStringSaslScram",
  tls: "BootstrapBrokerStringTls",
  plaintext: "BootstrapBrokerString",
};

const CLUSTER_ARN = /^arn:aws[a-z-]*:kafka:([a-z0-9-]+):\d{12}:cluster\/[^/]+\/[^/]+$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):\d{12}:secret:.+$/;

/**
 * The Kafka connection of a deployed write-back function, resolved once at cold start from the
 * variables infra/kafka-environment.ts sets. Infra cannot put everything in the environment:
 * an MSK Serverless cluster's brokers exist only after deployment (so only `KAFKA_CLUSTER_ARN`
 * is known, and `kafka:GetBootstrapBrokers` finds them), and SCRAM credentials and the CA must
 * stay in Secrets Manager (`LAKESTREAM_KAFKA_SECRET_ARN`, `LAKESTREAM_KAFKA_CA_SECRET_ARN`, the
 * same secrets the event source mapping reads). Everything else, and the validation, is
 * `connectionFromEnv`'s, so a local run with `KAFKA_BROKERS` alone behaves as before.
 *
 * A missing or malformed variable, or a secret that is not what Lambda's event source mapping
 * expects, is a ConfigError naming the variable; secret values never appear in an error.
 */
export async function resolveKafkaConnection(
  env: Readonly<Record<string, string | undefined>>,
  clients: AwsKafkaClients = {},
): Promise<KafkaConnection> {
  const security = env.LAKESTREAM_KAFKA_SECURITY ?? "plaintext";
  const clusterArn = optionalArn(env, "KAFKA_CLUSTER_ARN", CLUSTER_ARN);
  const brokers = env.KAFKA_BROKERS?.trim()
    ? env.KAFKA_BROKERS
    : clusterArn
      ? await bootstrapBrokers(clusterArn, security, clients.kafka)
      : undefined;
  if (brokers === undefined) {
    throw new ConfigError(
      "KAFKA_BROKERS",
      "set KAFKA_BROKERS or KAFKA_CLUSTER_ARN: the pipeline writes to Kafka",
    );
  }
  validateConnection({ brokers: splitBrokers(brokers) }, "KAFKA_BROKERS");

  const resolved: Record<string, string | undefined> = { ...env };
  // MSK IAM tokens are signed for the cluster's region, which the ARN names.
  if (clusterArn && security === "msk-iam") resolved.AWS_REGION = CLUSTER_ARN.exec(clusterArn)![1];
  const secretArn = optionalArn(env, "LAKESTREAM_KAFKA_SECRET_ARN", SECRET_ARN);
  const caArn = optionalArn(env, "LAKESTREAM_KAFKA_CA_SECRET_ARN", SECRET_ARN);
  const first = secretArn ?? caArn;
  const secrets = first
    ? (clients.secrets ?? new SecretsManagerClient({ region: regionOf(first) }))
    : undefined;
  if (secretArn && secrets) {
    if (!security.startsWith("scram-")) {
      throw new ConfigError("LAKESTREAM_KAFKA_SECRET_ARN", `is only used with SCRAM, not "${security}"`);
    }
    const user = parseUserSecret(await secretText(secrets, secretArn, "LAKESTREAM_KAFKA_SECRET_ARN"));
    resolved.LAKESTREAM_KAFKA_USERNAME = user.username;
    resolved.LAKESTREAM_KAFKA_PASSWORD = user.password;
  }
  if (caArn && secrets) {
    resolved.LAKESTREAM_KAFKA_CA = parseCaSecret(
      await secretText(secrets, caArn, "LAKESTREAM_KAFKA_CA_SECRET_ARN"),
    );
  }
  return connectionFromEnv(resolved, brokers);
}

function splitBrokers(list: string): string[] {
  return list
    .split(",")
    .map((b) => b.trim())
    .filter(Boolean);
}

function optionalArn(env: Readonly<Record<string, string | undefined>>, name: string, shape: RegExp) {
  const value = env[name]?.trim();
  if (!value) return undefined;
  if (!shape.test(value)) throw new ConfigError(name, `"${value}" is not a valid ARN here`);
  return value;
}

function regionOf(arn: string): string {
  return arn.split(":")[3]!;
}

async function bootstrapBrokers(
  clusterArn: string,
  security: string,
  client: BootstrapBrokersClient = new KafkaClient({ region: regionOf(clusterArn) }),
): Promise<string> {
  const field = BROKER_FIELD[security];
  if (!field) throw new ConfigError("LAKESTREAM_KAFKA_SECURITY", `unknown protocol "${security}"`);
  let output: Pick<GetBootstrapBrokersCommandOutput, BrokerField>;
  try {
    output = await client.send(new GetBootstrapBrokersCommand({ ClusterArn: clusterArn }));
  } catch (e) {
    if (isNotFound(e)) throw new ConfigError("KAFKA_CLUSTER_ARN", "no such MSK cluster", { cause: e });
    throw e;
  }
  const brokers = output[field];
  if (!brokers) {
    throw new ConfigError(
      "KAFKA_CLUSTER_ARN",
      `the cluster has no ${field} (is ${security} access enabled on it?)`,
    );
  }
  return brokers;
}

async function secretText(client: SecretValueClient, arn: string, name: string): Promise<string> {
  let output: Pick<GetSecretValueCommandOutput, "SecretString" | "SecretBinary">;
  try {
    output = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  } catch (e) {
    if (isNotFound(e)) throw new ConfigError(name, "no such secret", { cause: e });
    throw e;
  }
  if (output.SecretString !== undefined) return output.SecretString;
  if (output.SecretBinary !== undefined) return new TextDecoder().decode(output.SecretBinary);
  throw new ConfigError(name, "the secret has no value");
}

/** `{"username": "…", "password": "…"}`, as Lambda's SASL/SCRAM event source mapping wants it. */
function parseUserSecret(text: string): { username: string; password: string } {
  const value = parseJsonQuietly(text) as { username?: unknown; password?: unknown } | undefined;
  if (
    typeof value?.username !== "string" ||
    typeof value.password !== "string" ||
    !value.username ||
    !value.password
  ) {
    // Neither the text nor the parser's message (which quotes the text) may reach a log.
    throw new ConfigError(
      "LAKESTREAM_KAFKA_SECRET_ARN",
      'the secret must be JSON {"username": "…", "password": "…"} with non-empty strings',
    );
  }
  return { username: value.username, password: value.password };
}

/** Lambda's SERVER_ROOT_CA_CERTIFICATE format `{"certificate": "<PEM>"}`, or the PEM itself. */
function parseCaSecret(text: string): string {
  const value = parseJsonQuietly(text) as { certificate?: unknown } | undefined;
  const pem = typeof value?.certificate === "string" ? value.certificate : text;
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new ConfigError(
      "LAKESTREAM_KAFKA_CA_SECRET_ARN",
      'the secret must be a PEM certificate, or JSON {"certificate": "<PEM>"}',
    );
  }
  return pem;
}

function parseJsonQuietly(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isNotFound(e: unknown): boolean {
  const name = (e as { name?: unknown } | null)?.name;
  return name === "NotFoundException" || name === "ResourceNotFoundException";
}
