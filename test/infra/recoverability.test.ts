import { Match, type Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../infra/load-config.ts";
import { type Synthesized, synthesize } from "./helpers/synth.ts";

/**
 * Raw data tiered after 30 and 90 days and expired after 400, schedule switched off; stand-in
 * handlers, bundling skipped.
 */
let synth: Synthesized;
let orders: Template;
let defaults: Synthesized;

beforeAll(() => {
  synth = synthesize({
    lakestream: {
      lake: {
        noncurrentVersionExpirationDays: 45,
        rawData: {
          expireAfterDays: 400,
          transitions: [
            { storageClass: "STANDARD_IA", afterDays: 30 },
            { storageClass: "GLACIER_IR", afterDays: 90 },
          ],
        },
      },
      stages: { scheduleEnabled: false },
    },
  });
  orders = synth.template(synth.built.pipelines.orders!);
  defaults = synthesize();
});
afterAll(() => {
  synth.cleanup();
  defaults.cleanup();
});

describe("a recoverable lake", () => {
  it("versions the lake and its access-log bucket and expires only noncurrent versions", () => {
    for (const template of [orders, defaults.template(defaults.built.pipelines.orders!)]) {
      template.resourcePropertiesCountIs(
        "AWS::S3::Bucket",
        { VersioningConfiguration: { Status: "Enabled" } },
        2,
      );
    }
    orders.resourcePropertiesCountIs(
      "AWS::S3::Bucket",
      {
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 45 }, Status: "Enabled" }),
            Match.objectLike({ ExpiredObjectDeleteMarker: true }),
          ]),
        },
      },
      2,
    );
  });

  it("tiers and expires raw data and its commit records as configured, and nothing published", () => {
    orders.hasResourceProperties("AWS::S3::Bucket", {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Id: "raw-data",
            Prefix: "orders_raw/",
            ExpirationInDays: 400,
            Transitions: [
              { StorageClass: "STANDARD_IA", TransitionInDays: 30 },
              { StorageClass: "GLACIER_IR", TransitionInDays: 90 },
            ],
          }),
          Match.objectLike({
            Id: "raw-commit-records",
            Prefix: "_lakestream/commits/orders_raw/",
            ExpirationInDays: 400,
          }),
        ]),
      },
    });
    const rules = JSON.stringify(orders.findResources("AWS::S3::Bucket"));
    expect(rules).not.toContain('"Prefix":"warehouse/');
    expect(rules).not.toContain('"Prefix":"published/');
  });

  it("keeps raw data forever unless told otherwise", () => {
    const rules = JSON.stringify(
      defaults.template(defaults.built.pipelines.orders!).findResources("AWS::S3::Bucket"),
    );
    expect(rules).not.toContain('"raw-data"');
    expect(rules).not.toContain('"raw-commit-records"');
  });

  it("rejects raw-data settings S3 would refuse, with the field named", () => {
    const cases: [unknown, string][] = [
      [
        { transitions: [{ storageClass: "STANDARD_IA", afterDays: 7 }] },
        "lakestream.lake.rawData.transitions.0.afterDays",
      ],
      [
        { expireAfterDays: 60, transitions: [{ storageClass: "GLACIER_IR", afterDays: 90 }] },
        "lakestream.lake.rawData.transitions.0.afterDays",
      ],
      [
        { transitions: [{ storageClass: "DEEP_ARCHIVE", afterDays: 200 }] },
        "lakestream.lake.rawData.transitions.0.storageClass",
      ],
      [{ expireAfterDays: 0 }, "lakestream.lake.rawData.expireAfterDays"],
    ];
    for (const [rawData, field] of cases) {
      expect(() => parseConfig({ lake: { rawData } })).toThrow(
        expect.objectContaining({ name: "ConfigError", field }),
      );
    }
  });
});

describe("with the schedule switched off", () => {
  it("has no freshness alarm, which would only ever be in alarm", () => {
    orders.resourcePropertiesCountIs("AWS::CloudWatch::Alarm", { MetricName: "ExecutionsSucceeded" }, 0);
    orders.resourcePropertiesCountIs("AWS::CloudWatch::Alarm", { MetricName: "ExecutionsFailed" }, 1);
  });
});
