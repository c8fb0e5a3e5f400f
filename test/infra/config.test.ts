import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "aws-cdk-lib";
import { describe, expect, it } from "vitest";
import { buildApp, cdkJsonContext } from "../../infra/build-app.ts";
import { tableBucketName } from "../../infra/catalog-access.ts";
import { CONFIG_FILE_CONTEXT_KEY, loadConfig, parseConfig } from "../../infra/load-config.ts";
import { ConfigError } from "../../shared/core/errors.ts";
import { testPipelines } from "./fixtures/pipelines.ts";
import { FIXTURE_FUNCTIONS } from "./helpers/synth.ts";

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("deployment config", () => {
  it("defaults to a self-contained MSK Serverless environment with secure, offline-synthesizable settings", () => {
    const config = parseConfig(undefined);
    expect(config.kafka).toEqual({ mode: "msk-serverless", vpcCidr: "10.42.0.0/16", maxAzs: 2 });
    expect(config.account).toBeUndefined();
    expect(config.region).toBeUndefined();
    expect(config.ingest).toMatchObject({
      batchSize: 1000,
      startingPosition: "TRIM_HORIZON",
      provisionedPollers: { minimum: 1, maximum: 10 },
      bisectBatchOnError: true,
    });
    expect(config.lake).toMatchObject({
      encryption: "s3-managed",
      removalPolicy: "retain",
      quarantineExpirationDays: 30,
    });
    expect(config.observability.stateMachineLogLevel).toBe("ALL");
    expect(config.catalog).toEqual({ type: "glue" });
  });

  it("names the offending field of a wrong value", () => {
    const cases: [unknown, string][] = [
      [{ kafka: { mode: "msk", clusterArn: "not-an-arn" } }, "lakestream.kafka.clusterArn"],
      [{ kafka: { mode: "carrier-pigeon" } }, "lakestream.kafka.mode"],
      [{ ingest: { batchSize: 20_000 } }, "lakestream.ingest.batchSize"],
      [
        { ingest: { provisionedPollers: { minimum: 5, maximum: 2 } } },
        "lakestream.ingest.provisionedPollers.minimum",
      ],
      [{ lake: { encryption: "rot13" } }, "lakestream.lake.encryption"],
      [{ glue: { projectionStartDate: "yesterday" } }, "lakestream.glue.projectionStartDate"],
      [{ observability: { logRetentionDays: 42 } }, "lakestream.observability.logRetentionDays"],
      [{ surprise: true }, "lakestream"],
      [{ catalog: { type: "hive-metastore" } }, "lakestream.catalog.type"],
      [{ catalog: { type: "glue", uri: "https://example.com" } }, "lakestream.catalog"],
      // An S3 Tables namespace starts with a letter or digit and never with "aws".
      [{ catalog: { type: "s3tables" }, glue: { databaseName: "_lake" } }, "lakestream.glue.databaseName"],
      [{ catalog: { type: "s3tables" }, glue: { databaseName: "aws_lake" } }, "lakestream.glue.databaseName"],
      [
        {
          kafka: {
            mode: "self-managed",
            bootstrapServers: ["b-1.example.com:9096"],
            secretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:kafka-AbCdEf",
            vpc: {
              vpcId: "vpc-0123456789abcdef0",
              availabilityZones: ["eu-west-1a", "eu-west-1b"],
              subnetIds: ["subnet-0123456789abcdef0"],
              securityGroupIds: ["sg-0123456789abcdef0"],
            },
          },
        },
        "lakestream.kafka.vpc.subnetIds",
      ],
    ];
    for (const [raw, field] of cases) {
      const error = configError(() => parseConfig(raw));
      expect(error.name).toBe("ConfigError");
      expect(error.field).toBe(field);
    }
  });

  it("reads the lakestream context object, its JSON text from -c, or a config file", () => {
    const fromObject = new App({ context: { lakestream: { stackPrefix: "Dev" } } });
    expect(loadConfig(fromObject.node).stackPrefix).toBe("Dev");
    const fromText = new App({ context: { lakestream: '{"stackPrefix":"Cli"}' } });
    expect(loadConfig(fromText.node).stackPrefix).toBe("Cli");

    const dir = mkdtempSync(join(tmpdir(), "lakestream-config-"));
    try {
      const file = join(dir, "prod.json");
      writeFileSync(file, JSON.stringify({ stackPrefix: "Prod", ingest: { batchSize: "many" } }));
      const fromFile = new App({ context: { [CONFIG_FILE_CONTEXT_KEY]: file } });
      expect(configError(() => loadConfig(fromFile.node)).field).toBe(`${file}.ingest.batchSize`);
      const missing = new App({ context: { [CONFIG_FILE_CONTEXT_KEY]: join(dir, "missing.json") } });
      expect(configError(() => loadConfig(missing.node)).field).toBe(CONFIG_FILE_CONTEXT_KEY);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps cdk.json's defaults valid and free of account, region and lookups", () => {
    const context = cdkJsonContext();
    const config = parseConfig(context.lakestream);
    expect(config.kafka.mode).toBe("msk-serverless");
    expect(
      Object.keys(context).filter((k) => k.startsWith("availability-zones") || k.includes("lookup")),
    ).toEqual([]);
  });

  it("fails the app build when a write-back pipeline cannot reach an existing MSK cluster's VPC", () => {
    const lakestream = {
      kafka: {
        mode: "msk",
        clusterArn:
          "arn:aws:kafka:eu-west-1:123456789012:cluster/main/0123abcd-0123-4567-89ab-0123456789ab-1",
      },
    };
    const error = configError(() =>
      buildApp({
        pipelines: testPipelines,
        functionsDir: FIXTURE_FUNCTIONS,
        context: { lakestream, "aws:cdk:bundling-stacks": [] },
      }),
    );
    expect(error.field).toBe("lakestream.kafka.vpc");
    expect(error.message).toContain("audit_log");
  });

  it("fails the app build when a pipeline's S3 Tables table bucket name would break the naming rules", () => {
    const build = (stackPrefix: string) => () =>
      buildApp({
        pipelines: testPipelines,
        functionsDir: FIXTURE_FUNCTIONS,
        context: {
          lakestream: { stackPrefix, catalog: { type: "s3tables" } },
          "aws:cdk:bundling-stacks": [],
        },
      });
    // Stack names lower-cased + "-tables": "awslake-orders-tables" takes the reserved prefix "aws".
    expect(configError(build("AwsLake")).field).toBe("lakestream.stackPrefix");
    expect(tableBucketName("Lakestream-orders")).toBe("lakestream-orders-tables");
    expect(configError(() => tableBucketName(`Lakestream-${"a".repeat(46)}`)).message).toContain(
      "63 characters",
    );
  });
});
