import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers/lake.ts";
import { freshBucket, s3Endpoint } from "../helpers/services.ts";
import { hasStack, lakestream } from "./helpers/cli.ts";

/** Regression tests of issue 11, item 8: impossible input and unreachable services give one line, not a stack. */

function eventWithTopic(topic: string): string {
  const record = {
    topic,
    partition: 0,
    offset: 0,
    timestamp: 1_764_000_000_000,
    timestampType: "CREATE_TIME",
    value: Buffer.from('{"a":1}').toString("base64"),
    headers: [],
  };
  return JSON.stringify({ eventSource: "aws:kafka", records: { [`${topic}-0`]: [record] } });
}

async function invokeWith(eventText: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const dir = await tempDir("cli-errors");
  await writeFile(join(dir, "ev.json"), eventText);
  const result = await lakestream(["invoke", "ingest", "--event", "ev.json", ...extra], dir, { env });
  return { ...result, dir };
}

describe("one line for what a user got wrong (issue 11, item 8)", () => {
  it.each([["../x"], ["/abs"], ["a\u0000b"], [".."], ["t".repeat(250)]])(
    "refuses the impossible topic %j in an event file as a shape error, writing nothing",
    async (topic) => {
      const result = await invokeWith(eventWithTopic(topic), ["--lake", "lake"]);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(
        /EventShapeError: event\.records\[.*\]\[0\]\.topic: not a valid Kafka topic name/,
      );
      expect(hasStack(result.stderr)).toBe(false);
      expect(existsSync(join(result.dir, "lake"))).toBe(false);
    },
  );

  it("refuses records of a topic the pipeline does not read, writing nothing", async () => {
    const result = await invokeWith(eventWithTopic("orders"), ["--lake", "lake"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(
      /topic "orders" is not a source topic of pipeline clickstream \(clickstream\)/,
    );
    expect(hasStack(result.stderr)).toBe(false);
    expect(existsSync(join(result.dir, "lake"))).toBe(false);
  });

  it.each([
    ["http//user:hunter2@127.0.0.1:9000"],
    ["http://user:hunter2@127.0.0.1:9000"],
    ["ftp://hunter2@x"],
  ])("never echoes credentials in a wrong --s3-endpoint (%s)", async (endpoint) => {
    const result = await invokeWith(eventWithTopic("clickstream"), [
      "--bucket",
      "b-1",
      "--s3-endpoint",
      endpoint,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^lakestream: .*s3-endpoint/);
    expect(result.stderr + result.stdout).not.toContain("hunter2");
  });
});

describe("one line for a service that cannot be reached (issue 11, item 8)", () => {
  it("reports a refused S3 connection in one line and exits 1", async () => {
    const result = await invokeWith(eventWithTopic("clickstream"), [
      "--bucket",
      "b-1",
      "--s3-endpoint",
      "http://127.0.0.1:1",
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^lakestream: .*ECONNREFUSED/m);
    expect(hasStack(result.stderr)).toBe(false);
  });

  it("reports wrong S3 credentials in one line and exits 1", async () => {
    const bucket = await freshBucket("cli-creds");
    const result = await invokeWith(
      eventWithTopic("clickstream"),
      ["--bucket", bucket, "--s3-endpoint", s3Endpoint()],
      { AWS_ACCESS_KEY_ID: "wrong", AWS_SECRET_ACCESS_KEY: "wrong-secret" },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^lakestream: StorageError: .*HTTP 403/m);
    expect(hasStack(result.stderr)).toBe(false);
    expect(result.stderr).not.toContain("wrong-secret");
  });

  it("reports a refused Kafka connection in one line and exits 1", async () => {
    const dir = await tempDir("cli-kafka");
    const result = await lakestream(["produce", "--count", "1", "--brokers", "127.0.0.1:1"], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^lakestream: KafkaJS\w+: /m);
    expect(hasStack(result.stderr)).toBe(false);
  });
});
