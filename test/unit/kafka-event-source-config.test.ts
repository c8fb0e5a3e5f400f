import { describe, expect, it } from "vitest";
import { ConfigError } from "../../shared/core/errors.ts";
import { type EventSourceOptions, resolveEventSourceConfig } from "../../shared/local/event-source/config.ts";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";

const base: EventSourceOptions = {
  connection: { brokers: ["127.0.0.1:9092"] },
  topics: ["clicks"],
  groupId: "g",
};

function fieldOf(options: Partial<EventSourceOptions>): string | undefined {
  try {
    resolveEventSourceConfig({ ...base, ...options });
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).field;
  }
}

describe("event source knobs are validated with Lambda's ranges and named fields", () => {
  it("fills Lambda's defaults for Kafka", () => {
    const c = resolveEventSourceConfig(base);
    expect(c).toMatchObject({
      batchSize: 100,
      maximumBatchingWindowInSeconds: 0.5,
      maxPayloadBytes: 6 * 1024 * 1024,
      maximumRetryAttempts: -1,
      maximumRecordAgeInSeconds: -1,
      bisectBatchOnFunctionError: false,
      reportBatchItemFailures: false,
      eventSource: "SelfManagedKafka",
      retryLimit: Number.POSITIVE_INFINITY,
    });
  });

  it.each([
    [{ batchSize: 0 }, "batchSize"],
    [{ batchSize: 10_001 }, "batchSize"],
    [{ batchSize: 1.5 }, "batchSize"],
    [{ maximumBatchingWindowInSeconds: 301 }, "maximumBatchingWindowInSeconds"],
    [{ maximumBatchingWindowInSeconds: -1 }, "maximumBatchingWindowInSeconds"],
    [{ maxPayloadBytes: 7 * 1024 * 1024 }, "maxPayloadBytes"],
    [{ maximumRetryAttempts: -2 }, "maximumRetryAttempts"],
    [{ maximumRetryAttempts: 10_001 }, "maximumRetryAttempts"],
    [{ maximumRecordAgeInSeconds: 59 }, "maximumRecordAgeInSeconds"],
    [{ maximumRecordAgeInSeconds: 604_801 }, "maximumRecordAgeInSeconds"],
    [{ functionTimeoutSeconds: 901 }, "functionTimeoutSeconds"],
    [{ maxConcurrentInvocations: 0 }, "maxConcurrentInvocations"],
    [{ maxConcurrentInvocations: 1.5 }, "maxConcurrentInvocations"],
    [{ startingPosition: "AT_TIMESTAMP" as const }, "startingPositionTimestamp"],
    [{ startingPosition: "EARLIEST" as never }, "startingPosition"],
    [{ startingPositionTimestamp: new Date() }, "startingPositionTimestamp"],
    [{ topics: [] }, "topics"],
    [{ topics: ["bad topic"] }, "topics"],
    [{ groupId: "" }, "groupId"],
    [{ connection: { brokers: ["nohost"] } }, "connection.brokers"],
    [{ onFailure: { type: "kafka" as const, topic: "clicks" } }, "onFailure.topic"],
    [
      { onFailure: { type: "store" as const, store: new FsObjectStore("/tmp/x"), prefix: "../up" } },
      "onFailure.prefix",
    ],
  ])("%o fails on %s", (options, field) => {
    expect(fieldOf(options as Partial<EventSourceOptions>)).toBe(field);
  });

  it("accepts Lambda's edge values", () => {
    expect(
      fieldOf({ batchSize: 10_000, maximumBatchingWindowInSeconds: 300, maximumRetryAttempts: 10_000 }),
    ).toBeUndefined();
    expect(
      fieldOf({
        maximumRecordAgeInSeconds: 60,
        startingPosition: "AT_TIMESTAMP",
        startingPositionTimestamp: new Date(0),
      }),
    ).toBeUndefined();
  });

  it("infinite retries with an on-failure destination become 10, as Lambda applies", () => {
    const c = resolveEventSourceConfig({ ...base, onFailure: { type: "kafka", topic: "dead" } });
    expect(c.retryLimit).toBe(10);
    expect(
      resolveEventSourceConfig({
        ...base,
        maximumRetryAttempts: 3,
        onFailure: { type: "kafka", topic: "dead" },
      }).retryLimit,
    ).toBe(3);
  });

  it("an MSK source gets an eventSourceArn", () => {
    expect(resolveEventSourceConfig({ ...base, eventSource: "aws:kafka" }).eventSourceArn).toMatch(
      /^arn:aws:kafka:/,
    );
  });
});
