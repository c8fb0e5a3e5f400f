import type { KafkaConfig, RetryOptions, SASLOptions } from "kafkajs";
import { ConfigError } from "../core/errors.ts";
import { type AwsCredentialsProvider, createMskIamTokenProvider } from "./kafka-msk-iam.ts";

/**
 * How lakestream connects to Kafka. The same settings drive the local event source, the
 * write-back producer and the CLI, so a pipeline that works against the local broker uses
 * the same code path against MSK; only this object changes. The modes mirror Lambda's
 * event source mapping access configurations: none (PLAINTEXT), TLS (server or mutual),
 * SASL/SCRAM (SASL_SCRAM_256_AUTH / SASL_SCRAM_512_AUTH) and MSK IAM.
 */
export type KafkaSecurity =
  | { readonly protocol: "plaintext" }
  | { readonly protocol: "tls"; readonly tls?: TlsSettings }
  | {
      readonly protocol: "scram-sha-256" | "scram-sha-512";
      readonly username: string;
      readonly password: string;
      /** Omit for SASL_PLAINTEXT; MSK and most clusters want SASL_SSL. */
      readonly tls?: TlsSettings;
    }
  | {
      readonly protocol: "msk-iam";
      readonly region: string;
      /** Defaults to the AWS SDK default chain (env, profile, container/instance role). */
      readonly credentials?: AwsCredentialsProvider;
    };

export interface TlsSettings {
  /** PEM CA bundle; omit to trust the system store (what MSK's Amazon-issued certificates need). */
  readonly ca?: string;
  /** Client certificate and key (PEM) for mutual TLS. */
  readonly cert?: string;
  readonly key?: string;
}

export interface KafkaConnection {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  readonly security?: KafkaSecurity;
}

const BROKER = /^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/;

/** Checks a connection at start, so a typo fails cold start with the field named. */
export function validateConnection(conn: KafkaConnection, field = "kafka"): void {
  // A flag or an environment variable is named as given; a config object by its path.
  const brokersField = /^--|_BROKERS$/.test(field) ? field : `${field}.brokers`;
  if (conn.brokers.length === 0) throw new ConfigError(brokersField, "at least one host:port is required");
  for (const b of conn.brokers) {
    if (!BROKER.test(b)) throw new ConfigError(brokersField, `"${b}" is not host:port`);
  }
  const s = conn.security;
  if (!s) return;
  if (s.protocol === "scram-sha-256" || s.protocol === "scram-sha-512") {
    if (!s.username) throw new ConfigError(`${field}.security.username`, "is required for SCRAM");
    if (!s.password) throw new ConfigError(`${field}.security.password`, "is required for SCRAM");
  } else if (s.protocol === "msk-iam") {
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(s.region)) {
      throw new ConfigError(`${field}.security.region`, `"${s.region}" is not an AWS region`);
    }
  } else if (s.protocol !== "plaintext" && s.protocol !== "tls") {
    throw new ConfigError(
      `${field}.security.protocol`,
      `unknown protocol "${(s as { protocol: string }).protocol}"`,
    );
  }
}

/**
 * kafkajs retries with backoff between 300 ms and 10 s and gives up after about a minute:
 * long enough to ride out a broker restart or a leader election without anyone restarting
 * lakestream, short enough that a broker that is really gone surfaces as an error.
 */
export const KAFKA_RETRY: RetryOptions = { initialRetryTime: 300, maxRetryTime: 10_000, retries: 10 };

/** The kafkajs client config for a connection (brokers, TLS, SASL, retries). */
export function kafkaClientConfig(conn: KafkaConnection): KafkaConfig {
  validateConnection(conn);
  const base: KafkaConfig = {
    brokers: [...conn.brokers],
    clientId: conn.clientId ?? "lakestream",
    retry: KAFKA_RETRY,
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
  };
  const s = conn.security ?? { protocol: "plaintext" };
  switch (s.protocol) {
    case "plaintext":
      return base;
    case "tls":
      return { ...base, ssl: tlsOptions(s.tls) };
    case "scram-sha-256":
    case "scram-sha-512": {
      const sasl: SASLOptions = { mechanism: s.protocol, username: s.username, password: s.password };
      return { ...base, sasl, ...(s.tls ? { ssl: tlsOptions(s.tls) } : {}) };
    }
    case "msk-iam": {
      // MSK IAM is SASL/OAUTHBEARER over TLS with a SigV4-presigned token (port 9098 on MSK).
      const provider = createMskIamTokenProvider({ region: s.region, credentials: s.credentials });
      return {
        ...base,
        ssl: true,
        sasl: {
          mechanism: "oauthbearer",
          oauthBearerProvider: async () => ({ value: (await provider()).token }),
        },
      };
    }
  }
}

function tlsOptions(tls: TlsSettings | undefined): true | { ca?: string[]; cert?: string; key?: string } {
  if (!tls || (!tls.ca && !tls.cert && !tls.key)) return true;
  return {
    ...(tls.ca ? { ca: [tls.ca] } : {}),
    ...(tls.cert ? { cert: tls.cert } : {}),
    ...(tls.key ? { key: tls.key } : {}),
  };
}

/**
 * Reads a connection from the environment, the way the CLI and the services script pass it:
 * LAKESTREAM_KAFKA_BROKERS (comma-separated), LAKESTREAM_KAFKA_SECURITY
 * (plaintext | tls | scram-sha-256 | scram-sha-512 | msk-iam), LAKESTREAM_KAFKA_USERNAME,
 * LAKESTREAM_KAFKA_PASSWORD, LAKESTREAM_KAFKA_TLS (1 to add TLS to SCRAM),
 * LAKESTREAM_KAFKA_CA (PEM text), AWS_REGION for MSK IAM.
 */
export function connectionFromEnv(env: NodeJS.ProcessEnv, brokers?: string): KafkaConnection {
  const list = (brokers ?? env.LAKESTREAM_KAFKA_BROKERS ?? "127.0.0.1:9092")
    .split(",")
    .map((b) => b.trim())
    .filter(Boolean);
  const protocol = env.LAKESTREAM_KAFKA_SECURITY ?? "plaintext";
  const tls: TlsSettings | undefined = env.LAKESTREAM_KAFKA_CA ? { ca: env.LAKESTREAM_KAFKA_CA } : undefined;
  let security: KafkaSecurity;
  if (protocol === "plaintext") security = { protocol };
  else if (protocol === "tls") security = { protocol, ...(tls ? { tls } : {}) };
  else if (protocol === "scram-sha-256" || protocol === "scram-sha-512") {
    security = {
      protocol,
      username: env.LAKESTREAM_KAFKA_USERNAME ?? "",
      password: env.LAKESTREAM_KAFKA_PASSWORD ?? "",
      ...(env.LAKESTREAM_KAFKA_TLS === "1" ? { tls: tls ?? {} } : {}),
    };
  } else if (protocol === "msk-iam") security = { protocol, region: env.AWS_REGION ?? "" };
  else throw new ConfigError("LAKESTREAM_KAFKA_SECURITY", `unknown protocol "${protocol}"`);
  const conn: KafkaConnection = { brokers: list, security };
  // Name the setting the way the user gave it: the --brokers flag or the environment variable.
  validateConnection({ brokers: list }, brokers === undefined ? "LAKESTREAM_KAFKA_BROKERS" : "--brokers");
  validateConnection(conn, "LAKESTREAM_KAFKA");
  return conn;
}

/**
 * kafkajs 2.2.4 (RequestQueue#scheduleCheckPendingRequests) arms its "pending requests" timer
 * with `throttledUntil - Date.now()`, and throttledUntil is -1 unless the broker throttled us:
 * about minus the epoch in ms, which Node 24 reports once per process as a
 * TimeoutNegativeWarning and clamps to 1 ms (kafkajs#1751, fix not released). Harmless: the
 * timer only looks at an empty queue; it does re-arm itself every ~1 ms while a connection is
 * open, a little CPU and nothing else. Not caused by any setting of ours, so there is nothing to
 * configure away; CLI commands hide that one warning so their stderr stays readable, and every
 * other warning prints.
 */
export function hideKafkajsTimerWarning(): void {
  const listeners = process.listeners("warning");
  process.removeAllListeners("warning");
  process.on("warning", (w) => {
    if (w.name === "TimeoutNegativeWarning") return;
    if (listeners.length === 0) process.stderr.write(`${w.name}: ${w.message}\n`);
    for (const l of listeners) l(w);
  });
}
