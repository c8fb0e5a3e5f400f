import { describe, expect, it } from "vitest";
import { ConfigError } from "../../shared/core/errors.ts";
import { connectionFromEnv, kafkaClientConfig } from "../../shared/runtime/kafka-connection.ts";

describe("Kafka connection config", () => {
  it("maps each security mode onto kafkajs options", () => {
    expect(kafkaClientConfig({ brokers: ["127.0.0.1:9092"] })).toMatchObject({ brokers: ["127.0.0.1:9092"] });
    expect(kafkaClientConfig({ brokers: ["h:9094"], security: { protocol: "tls" } }).ssl).toBe(true);
    expect(
      kafkaClientConfig({ brokers: ["h:9094"], security: { protocol: "tls", tls: { ca: "PEM" } } }).ssl,
    ).toEqual({ ca: ["PEM"] });
    const scram = kafkaClientConfig({
      brokers: ["h:9096"],
      security: { protocol: "scram-sha-512", username: "u", password: "p", tls: {} },
    });
    expect(scram.sasl).toEqual({ mechanism: "scram-sha-512", username: "u", password: "p" });
    expect(scram.ssl).toBe(true);
  });

  it("reads the environment and names the variable that is wrong", () => {
    const c = connectionFromEnv(
      {
        LAKESTREAM_KAFKA_SECURITY: "scram-sha-256",
        LAKESTREAM_KAFKA_USERNAME: "u",
        LAKESTREAM_KAFKA_PASSWORD: "p",
      },
      "a:1,b:2",
    );
    expect(c.brokers).toEqual(["a:1", "b:2"]);
    expect(() => connectionFromEnv({ LAKESTREAM_KAFKA_SECURITY: "kerberos" })).toThrow(ConfigError);
    expect(() => connectionFromEnv({ LAKESTREAM_KAFKA_SECURITY: "scram-sha-256" })).toThrow(
      "LAKESTREAM_KAFKA.security.username",
    );
    expect(() => connectionFromEnv({ LAKESTREAM_KAFKA_SECURITY: "msk-iam", AWS_REGION: "nowhere" })).toThrow(
      "region",
    );
    expect(() => connectionFromEnv({}, "no-port")).toThrow("brokers");
  });
});
