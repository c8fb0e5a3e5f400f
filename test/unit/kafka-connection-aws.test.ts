import type { GetBootstrapBrokersCommand } from "@aws-sdk/client-kafka";
import type { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../shared/core/errors.ts";
import {
  type BootstrapBrokersClient,
  resolveKafkaConnection,
  type SecretValueClient,
} from "../../shared/runtime/kafka-connection-aws.ts";

/**
 * AWS cannot be reached here, so every test that needs MSK's GetBootstrapBrokers or Secrets
 * Manager's GetSecretValue passes a stand-in client that answers like the service and records
 * what was asked; each such test says "fakes AWS" in its name.
 */

const CLUSTER = "arn:aws:kafka:eu-west-1:123456789012:cluster/main/0123abcd-0123-4567-89ab-0123456789ab-1";
const USERS = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:kafka-users-AbCdEf";
const CA = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:kafka-ca-AbCdEf";
const PEM = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
const BROKERS = {
  BootstrapBrokerString: "b-1.main:9092",
  BootstrapBrokerStringTls: "b-1.main:9094,b-2.main:9094",
  BootstrapBrokerStringSaslScram: "b-1.main:9096,b-2.main:9096",
  BootstrapBrokerStringSaslIam: "b-1.main:9098,b-2.main:9098",
};

function fakeMsk(answer: Record<string, string> = BROKERS) {
  const asked: string[] = [];
  const client: BootstrapBrokersClient = {
    send: async (command: GetBootstrapBrokersCommand) => {
      asked.push(command.input.ClusterArn!);
      return answer;
    },
  };
  return { client, asked };
}

function fakeSecrets(values: Record<string, string>) {
  const asked: string[] = [];
  const client: SecretValueClient = {
    send: async (command: GetSecretValueCommand) => {
      const id = command.input.SecretId!;
      asked.push(id);
      if (!(id in values)) throw Object.assign(new Error("not found"), { name: "ResourceNotFoundException" });
      return { SecretString: values[id] };
    },
  };
  return { client, asked };
}

/** A stand-in that fails the test if the code calls AWS although it has everything it needs. */
const unreachable = {
  send: async () => {
    throw new Error("AWS was called");
  },
};

async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe("resolveKafkaConnection", () => {
  it("fakes AWS MSK: finds the IAM brokers of a cluster known only by ARN, signing for its region", async () => {
    const msk = fakeMsk();
    const conn = await resolveKafkaConnection(
      { KAFKA_CLUSTER_ARN: CLUSTER, LAKESTREAM_KAFKA_SECURITY: "msk-iam", AWS_REGION: "us-east-1" },
      { kafka: msk.client },
    );
    expect(msk.asked).toEqual([CLUSTER]);
    expect(conn.brokers).toEqual(["b-1.main:9098", "b-2.main:9098"]);
    expect(conn.security).toEqual({ protocol: "msk-iam", region: "eu-west-1" });
  });

  it("fakes AWS MSK: picks the SCRAM or TLS bootstrap string to match the security mode", async () => {
    const scram = await resolveKafkaConnection(
      {
        KAFKA_CLUSTER_ARN: CLUSTER,
        LAKESTREAM_KAFKA_SECURITY: "scram-sha-512",
        LAKESTREAM_KAFKA_USERNAME: "u",
        LAKESTREAM_KAFKA_PASSWORD: "p",
      },
      { kafka: fakeMsk().client },
    );
    expect(scram.brokers).toEqual(["b-1.main:9096", "b-2.main:9096"]);
    const tls = await resolveKafkaConnection(
      { KAFKA_CLUSTER_ARN: CLUSTER, LAKESTREAM_KAFKA_SECURITY: "tls" },
      { kafka: fakeMsk().client },
    );
    expect(tls.brokers).toEqual(["b-1.main:9094", "b-2.main:9094"]);
  });

  it("uses configured brokers as they are and calls no AWS API for them", async () => {
    const conn = await resolveKafkaConnection(
      { KAFKA_CLUSTER_ARN: CLUSTER, KAFKA_BROKERS: "b-9.main:9098", LAKESTREAM_KAFKA_SECURITY: "msk-iam" },
      { kafka: unreachable, secrets: unreachable },
    );
    expect(conn.brokers).toEqual(["b-9.main:9098"]);
    const local = await resolveKafkaConnection({ KAFKA_BROKERS: "127.0.0.1:9092" }, { kafka: unreachable });
    expect(local).toEqual({ brokers: ["127.0.0.1:9092"], security: { protocol: "plaintext" } });
  });

  it("fakes AWS Secrets Manager: reads the SCRAM user and the CA the event source mapping uses", async () => {
    const secrets = fakeSecrets({
      [USERS]: JSON.stringify({ username: "lakestream", password: "s3cret" }),
      [CA]: JSON.stringify({ certificate: PEM }),
    });
    const conn = await resolveKafkaConnection(
      {
        KAFKA_BROKERS: "kafka-1.internal:9096,kafka-2.internal:9096",
        LAKESTREAM_KAFKA_SECURITY: "scram-sha-512",
        LAKESTREAM_KAFKA_TLS: "1",
        LAKESTREAM_KAFKA_SECRET_ARN: USERS,
        LAKESTREAM_KAFKA_CA_SECRET_ARN: CA,
      },
      { kafka: unreachable, secrets: secrets.client },
    );
    expect(secrets.asked).toEqual([USERS, CA]);
    expect(conn).toEqual({
      brokers: ["kafka-1.internal:9096", "kafka-2.internal:9096"],
      security: { protocol: "scram-sha-512", username: "lakestream", password: "s3cret", tls: { ca: PEM } },
    });
  });

  it("fakes AWS Secrets Manager: takes a CA secret that holds the PEM text itself", async () => {
    const conn = await resolveKafkaConnection(
      {
        KAFKA_BROKERS: "kafka-1.internal:9094",
        LAKESTREAM_KAFKA_SECURITY: "tls",
        LAKESTREAM_KAFKA_CA_SECRET_ARN: CA,
      },
      { secrets: fakeSecrets({ [CA]: PEM }).client },
    );
    expect(conn.security).toEqual({ protocol: "tls", tls: { ca: PEM } });
  });

  it("fakes AWS Secrets Manager: a user secret that is not {username, password} JSON names the variable, never the value", async () => {
    const env = {
      KAFKA_BROKERS: "kafka-1.internal:9096",
      LAKESTREAM_KAFKA_SECURITY: "scram-sha-256",
      LAKESTREAM_KAFKA_SECRET_ARN: USERS,
    };
    for (const value of ["user=admin password=hunter2", JSON.stringify({ user: "admin", pass: "hunter2" })]) {
      const error = await configError(
        resolveKafkaConnection(env, { secrets: fakeSecrets({ [USERS]: value }).client }),
      );
      expect(error.field).toBe("LAKESTREAM_KAFKA_SECRET_ARN");
      expect(`${error.message} ${String(error.cause)} ${error.stack}`).not.toContain("hunter2");
    }
    const empty = await configError(
      resolveKafkaConnection(env, {
        secrets: fakeSecrets({ [USERS]: JSON.stringify({ username: "admin", password: "" }) }).client,
      }),
    );
    expect(empty.field).toBe("LAKESTREAM_KAFKA_SECRET_ARN");
  });

  it("fakes AWS Secrets Manager: a missing secret or a CA secret without a certificate names its variable", async () => {
    const missing = await configError(
      resolveKafkaConnection(
        {
          KAFKA_BROKERS: "k:9096",
          LAKESTREAM_KAFKA_SECURITY: "scram-sha-512",
          LAKESTREAM_KAFKA_SECRET_ARN: USERS,
        },
        { secrets: fakeSecrets({}).client },
      ),
    );
    expect(missing.field).toBe("LAKESTREAM_KAFKA_SECRET_ARN");
    const notPem = await configError(
      resolveKafkaConnection(
        { KAFKA_BROKERS: "k:9094", LAKESTREAM_KAFKA_SECURITY: "tls", LAKESTREAM_KAFKA_CA_SECRET_ARN: CA },
        { secrets: fakeSecrets({ [CA]: JSON.stringify({ certificate: "not a certificate" }) }).client },
      ),
    );
    expect(notPem.field).toBe("LAKESTREAM_KAFKA_CA_SECRET_ARN");
  });

  it("fakes AWS MSK: a cluster without the listener the mode needs names KAFKA_CLUSTER_ARN", async () => {
    const error = await configError(
      resolveKafkaConnection(
        { KAFKA_CLUSTER_ARN: CLUSTER, LAKESTREAM_KAFKA_SECURITY: "msk-iam" },
        { kafka: fakeMsk({ BootstrapBrokerStringTls: "b-1.main:9094" }).client },
      ),
    );
    expect(error.field).toBe("KAFKA_CLUSTER_ARN");
    expect(error.message).toContain("BootstrapBrokerStringSaslIam");
  });

  it("names the variable that is missing or malformed before calling AWS", async () => {
    const clients = { kafka: unreachable, secrets: unreachable };
    const cases: [Record<string, string>, string][] = [
      [{ LAKESTREAM_KAFKA_SECURITY: "msk-iam" }, "KAFKA_BROKERS"],
      [{ KAFKA_BROKERS: "b-1.main" }, "KAFKA_BROKERS"],
      [{ KAFKA_CLUSTER_ARN: "arn:aws:kafka:eu-west-1:123456789012:topic/x" }, "KAFKA_CLUSTER_ARN"],
      [{ KAFKA_CLUSTER_ARN: CLUSTER, LAKESTREAM_KAFKA_SECURITY: "kerberos" }, "LAKESTREAM_KAFKA_SECURITY"],
      [
        { KAFKA_BROKERS: "k:9096", LAKESTREAM_KAFKA_SECRET_ARN: "kafka-users" },
        "LAKESTREAM_KAFKA_SECRET_ARN",
      ],
      [{ KAFKA_BROKERS: "k:9096", LAKESTREAM_KAFKA_SECRET_ARN: USERS }, "LAKESTREAM_KAFKA_SECRET_ARN"],
      [
        { KAFKA_BROKERS: "k:9094", LAKESTREAM_KAFKA_CA_SECRET_ARN: "ca.pem" },
        "LAKESTREAM_KAFKA_CA_SECRET_ARN",
      ],
    ];
    for (const [env, field] of cases) {
      expect((await configError(resolveKafkaConnection(env, clients))).field).toBe(field);
    }
  });
});
