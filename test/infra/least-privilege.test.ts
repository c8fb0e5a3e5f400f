import { App, RemovalPolicy, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import * as iam from "aws-cdk-lib/aws-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cdkJsonContext } from "../../infra/build-app.ts";
import { LakeBucket } from "../../infra/constructs/lake-bucket.ts";
import { lakeAccess } from "../../infra/lake-layout.ts";
import type { Pipeline } from "../../shared/core/pipeline/types.ts";
import { orders } from "./fixtures/pipelines.ts";
import { stageFunction, type TemplateJson } from "./helpers/stage-function.ts";
import { type Synthesized, synthesize } from "./helpers/synth.ts";

/** Default config, stand-in handlers for every stage, bundling skipped. */
let synth: Synthesized;
let template: TemplateJson;

beforeAll(() => {
  synth = synthesize();
  template = synth.json(synth.built.pipelines.orders!) as TemplateJson;
});
afterAll(() => synth.cleanup());

interface Statement {
  Action: string | string[];
  Resource: unknown;
}

/** Every statement of the inline policies of the role of `stage`'s function. */
function statements(stage: string): Statement[] {
  const role = (stageFunction(template, stage)!.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
  return Object.values(template.Resources)
    .filter(
      (r) =>
        r.Type === "AWS::IAM::Policy" &&
        (r.Properties.Roles as { Ref?: string }[]).some((x) => x.Ref === role),
    )
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** The object-key patterns (after the bucket ARN) a stage may use with `action`. */
function s3Keys(stage: string, action: string): string[] {
  const keys: string[] = [];
  for (const s of statements(stage)) {
    const actions = [s.Action].flat();
    if (!actions.includes(action)) continue;
    for (const r of [s.Resource].flat()) {
      const join = (r as { "Fn::Join"?: [string, unknown[]] })["Fn::Join"];
      if (join) keys.push(String(join[1][1]).replace(/^\//, ""));
    }
  }
  return keys.sort();
}

function allS3Actions(stage: string): string[] {
  return [
    ...new Set(
      statements(stage)
        .flatMap((s) => [s.Action].flat())
        .filter((a) => a.startsWith("s3:")),
    ),
  ].sort();
}

describe("lake grants of the synthesized roles (orders: raw orders_raw, quarantine _quarantine, one gold table)", () => {
  it("give no role a wildcard S3 action or the whole bucket's objects", () => {
    const policies = JSON.stringify(
      Object.values(template.Resources).filter((r) => r.Type === "AWS::IAM::Policy"),
    );
    expect(policies).not.toMatch(/"s3:[A-Za-z]*\*"/);
    expect(policies).not.toContain('"/*"]]}');
  });

  it("let ingest write only its raw files, quarantine and commit records, read them back, and delete nothing", () => {
    expect(s3Keys("ingest", "s3:PutObject")).toEqual([
      "_lakestream/commits/orders_raw/*",
      "_quarantine/orders_raw/*",
      "aws/lambda/*",
      "orders_raw/*",
    ]);
    expect(s3Keys("ingest", "s3:GetObject")).toEqual([
      "_lakestream/commits/orders_raw/*",
      "_quarantine/orders_raw/*",
      "orders_raw/*",
    ]);
    expect(allS3Actions("ingest")).toEqual([
      "s3:AbortMultipartUpload",
      "s3:GetObject",
      "s3:ListBucket",
      "s3:PutObject",
    ]);
  });

  it("let plan read commit records, raw data and table metadata, and write only its run documents and tables' metadata", () => {
    // Plan creates the Iceberg tables on first use and evolves their schemas: metadata only.
    expect(s3Keys("plan", "s3:PutObject")).toEqual([
      "_lakestream/runs/orders/*",
      "warehouse/lakestream/orders_by_country_1h/metadata/*",
      "warehouse/lakestream/orders_raw/metadata/*",
    ]);
    expect(s3Keys("plan", "s3:GetObject")).toEqual(
      ["_lakestream/commits/orders_raw/*", "_lakestream/runs/orders/*", "orders_raw/*", "warehouse/*"].sort(),
    );
    expect(allS3Actions("plan")).toEqual([
      "s3:AbortMultipartUpload",
      "s3:GetObject",
      "s3:ListBucket",
      "s3:PutObject",
    ]);
  });

  it("let compact and aggregate write only their own tables' data files, run documents and late records", () => {
    expect(s3Keys("compact", "s3:PutObject")).toEqual([
      "_lakestream/runs/orders/*",
      "warehouse/lakestream/orders_raw/data/*",
    ]);
    expect(s3Keys("aggregate", "s3:PutObject")).toEqual([
      "_lakestream/runs/orders/*",
      "_quarantine/orders_by_country_1h/late/*",
      "warehouse/lakestream/orders_by_country_1h/data/*",
    ]);
    for (const stage of ["compact", "aggregate"])
      expect(s3Keys(stage, "s3:GetObject")).toContain("orders_raw/*");
  });

  it("let publish write only table metadata and the run record", () => {
    expect(s3Keys("publish", "s3:PutObject")).toEqual([
      "_lakestream/runs/orders/*",
      "warehouse/lakestream/orders_by_country_1h/metadata/*",
      "warehouse/lakestream/orders_raw/metadata/*",
    ]);
    expect(s3Keys("publish", "s3:GetObject")).toContain("warehouse/*");
  });

  it("give no stage s3:Delete* (only maintain may delete)", () => {
    for (const stage of ["ingest", "plan", "compact", "aggregate", "publish"]) {
      expect(allS3Actions(stage).filter((a) => a.startsWith("s3:Delete"))).toEqual([]);
    }
  });

  it("acknowledge each granted prefix with its own reason, none of them 'by nature'", () => {
    const acks = JSON.stringify(synth.assembly.getStackByName("Lakestream-orders").manifest.metadata ?? {});
    const tree = JSON.stringify(synth.built.app.node.findAll().flatMap((c) => c.node.metadata));
    expect(tree + acks).not.toMatch(/by nature/);
    expect(tree).toContain("the objects under orders_raw/");
  });
});

describe("the maintain grant", () => {
  it("is the only access that deletes: under warehouse/, and a Hive-layout pipeline's published tables", () => {
    const access = ["ingest", "plan", "compact", "aggregate", "publish", "maintain"] as const;
    const deletes = (pipeline: Pipeline, hivePublished: boolean) =>
      Object.fromEntries(
        access.map((r) => [r, lakeAccess(pipeline, r, { namespace: "lakestream", hivePublished }).delete]),
      );
    const none = { ingest: [], plan: [], compact: [], aggregate: [], publish: [] };
    expect(deletes(orders, false)).toEqual({ ...none, maintain: ["warehouse/"] });
    const hive = { ...orders, sink: { ...orders.sink, tableFormat: "hive" as const } };
    expect(deletes(hive, true)).toEqual({
      ...none,
      maintain: ["warehouse/", "published/orders_raw/", "published/orders_by_country_1h/"],
    });
    const stack = new Stack(new App({ context: cdkJsonContext() }), "MaintainGrant");
    const lake = new LakeBucket(stack, "Lake", {
      encryption: "s3-managed",
      quarantinePrefixes: ["_quarantine"],
      quarantineExpirationDays: 30,
      failedBatchExpirationDays: 30,
      abortIncompleteUploadDays: 1,
      accessLogExpirationDays: 90,
      noncurrentVersionExpirationDays: 30,
      rawPrefixes: { data: "orders_raw/", commits: "_lakestream/commits/orders_raw/" },
      rawData: { transitions: [] },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(stack, "Maintain", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
    });
    lake.grantAccess(
      role,
      lakeAccess(orders, "maintain", { namespace: "lakestream", hivePublished: false }),
      "test",
    );
    const deleting = Object.values(Template.fromStack(stack).findResources("AWS::IAM::Policy"))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter((st) => [st.Action].flat().includes("s3:DeleteObject"));
    expect(deleting).toHaveLength(1);
    expect(JSON.stringify(deleting[0]!.Resource)).toMatch(
      /^\{"Fn::Join":\["",\[\{"Fn::GetAtt":\["Lake\w+","Arn"\]\},"\/warehouse\/\*"\]\]\}$/,
    );
  });
});

describe("prefixes the lake reserves", () => {
  it("fail synthesis with the field named when a sink table or quarantine prefix would reach into them", () => {
    const cases: [string, Pipeline][] = [
      ["pipeline(orders).sink.table", { ...orders, sink: { ...orders.sink, table: "warehouse" } }],
      ["pipeline(orders).quarantine.prefix", { ...orders, quarantine: { prefix: "_lakestream/x" } }],
    ];
    for (const [field, pipeline] of cases) {
      expect(() => lakeAccess(pipeline, "ingest", { namespace: "n", hivePublished: false })).toThrow(
        expect.objectContaining({ name: "ConfigError", field }),
      );
    }
  });
});
