import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";

/**
 * Regression test of issue 11, item 16: `cdk synth -c pipeline=<path>` deploys a user's own
 * pipeline module, bundled into the handlers, without editing shared/pipelines/index.ts. Runs
 * the CDK app entry (infra/app.ts) as the CDK CLI does, with real esbuild bundling.
 */

const ROOT = join(import.meta.dirname, "../..");
const MARKER = "user-module-marker-7f3a";

let outdir: string;
let stdout: string;
beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), "lakestream-cdk-module-"));
  const module = join(dir, "orders.ts");
  await writeFile(
    module,
    `import { definePipeline } from ${JSON.stringify(join(ROOT, "shared/core/pipeline/define-pipeline.ts"))};
export const orders = definePipeline({
  name: "orders",
  source: { topics: ["orders"], valueFormat: "json" },
  schema: { id: { type: "string" }, at: { type: "timestamp" } },
  transform: ({ value }) => ({ id: String(value.id ?? "${MARKER}"), at: value.at }),
  partitioning: { eventTime: { field: "at" }, granularity: "hour" },
  sink: { table: "orders_raw", format: "parquet" },
});
`,
  );
  outdir = join(dir, "cdk.out");
  // What the CDK CLI passes: cdk.json's context plus `-c` values.
  const cdkJson = JSON.parse(readFileSync(join(ROOT, "cdk.json"), "utf8")) as { context: object };
  const context = { ...cdkJson.context, pipeline: module, "aws:cdk:bundling-stacks": ["Lakestream-orders"] };
  ({ stdout } = await promisify(execFile)(process.execPath, [join(ROOT, "infra/app.ts")], {
    cwd: ROOT,
    env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
    maxBuffer: 16 * 1024 * 1024,
  }));
});

describe("cdk synth -c pipeline=<module path> (issue 11, item 16)", () => {
  it("makes one pipeline stack for the module's pipeline, and none for the registry's", () => {
    const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8")) as {
      artifacts: Record<string, { type: string }>;
    };
    const stacks = Object.entries(manifest.artifacts)
      .filter(([, a]) => a.type === "aws:cloudformation:stack")
      .map(([name]) => name)
      .sort();
    expect(stacks).toEqual(["Lakestream-Shared", "Lakestream-orders"]);
    expect(stdout).toBe("");
  });

  it("bundles the module into the handlers, which pick its pipeline by name", () => {
    const template = JSON.parse(readFileSync(join(outdir, "Lakestream-orders.template.json"), "utf8")) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const functions = Object.values(template.Resources).filter((r) => r.Type === "AWS::Lambda::Function");
    expect(functions.length).toBeGreaterThanOrEqual(5);
    for (const fn of functions) {
      const env = (fn.Properties.Environment as { Variables: Record<string, string> }).Variables;
      expect(env.PIPELINE).toBe("orders");
      const key = (fn.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, "");
      const bundle = readFileSync(join(outdir, `asset.${key}`, "index.mjs"), "utf8");
      expect(bundle).toContain(MARKER);
    }
    expect(readdirSync(outdir).some((f) => f.startsWith("asset."))).toBe(true);
  });
});
