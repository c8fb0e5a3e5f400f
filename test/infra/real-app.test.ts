import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FUNCTIONS_DIR, stageEntries } from "../../infra/stage-entries.ts";
import { pipelines } from "../../shared/pipelines/index.ts";
import { type Synthesized, synthesize } from "./helpers/synth.ts";

const MAX_BUNDLE_BYTES = 1.5 * 1024 * 1024;

/** The app as `cdk synth` builds it: the pipeline registry, the real handlers, real esbuild bundling. */
let synth: Synthesized;
let started: number;
let synthMs: number;

beforeAll(() => {
  started = Date.now();
  synth = synthesize({ pipelines, functionsDir: FUNCTIONS_DIR, bundle: true });
  synthMs = Date.now() - started;
});
afterAll(() => synth.cleanup());

function functionAsset(stackName: string, stage: string): string {
  const template = synth.assembly.getStackByName(stackName).template as {
    Resources: Record<
      string,
      { Type: string; Properties: { Code?: { S3Key?: string }; Tags?: { Key: string; Value: string }[] } }
    >;
  };
  const fn = Object.values(template.Resources).find(
    (r) =>
      r.Type === "AWS::Lambda::Function" &&
      r.Properties.Tags?.some((t) => t.Key === "lakestream:stage" && t.Value === stage),
  );
  const key = fn?.Properties.Code?.S3Key;
  if (!key) throw new Error(`no ${stage} function in ${stackName}`);
  return join(synth.outdir, `asset.${key.replace(/\.zip$/, "")}`);
}

describe("the registry's app, bundled", () => {
  it("has one stack per pipeline next to the shared stack, and cdk-nag finds nothing", () => {
    expect(Object.keys(synth.built.pipelines).sort()).toEqual(Object.keys(pipelines).sort());
    expect(synth.assembly.stacks.map((s) => s.stackName).sort()).toEqual(
      ["Lakestream-Shared", ...Object.values(synth.built.pipelines).map((s) => s.stackName)].sort(),
    );
    expect(synth.built.nagPack.validateScope(synth.built.app).violations).toEqual([]);
    expect(synthMs).toBeLessThan(120_000);
  });

  it("bundles the ingest handler with local esbuild into a small ES module with a source map", () => {
    expect(stageEntries().ingest).toBeDefined();
    for (const stack of Object.values(synth.built.pipelines)) {
      const dir = functionAsset(stack.stackName, "ingest");
      const bundle = join(dir, "index.mjs");
      expect(existsSync(bundle)).toBe(true);
      expect(existsSync(join(dir, "index.mjs.map"))).toBe(true);
      const size = statSync(bundle).size;
      expect(size).toBeGreaterThan(10_000);
      expect(size).toBeLessThan(MAX_BUNDLE_BYTES);
      const code = readFileSync(bundle, "utf8");
      // ESM output needs a `require` for the CommonJS parts of its dependencies.
      expect(
        code.startsWith("import { createRequire as __lakestreamCreateRequire } from 'node:module';"),
      ).toBe(true);
      expect(code).toContain("export{");
    }
  });

  it("creates a function (and chains a state machine) only for stage handlers that exist on disk, each bundle small", () => {
    const entries = stageEntries();
    const later = (["plan", "compact", "aggregate", "publish", "maintain"] as const).filter(
      (s) => entries[s],
    );
    for (const stack of Object.values(synth.built.pipelines)) {
      const template = synth.template(stack);
      template.resourcePropertiesCountIs(
        "AWS::Lambda::Function",
        { Runtime: "nodejs24.x" },
        Object.keys(entries).length,
      );
      template.resourceCountIs("AWS::StepFunctions::StateMachine", later.length > 0 ? 1 : 0);
      template.resourceCountIs("AWS::Scheduler::Schedule", later.length > 0 ? 1 : 0);
      for (const stage of later) {
        const bundle = join(functionAsset(stack.stackName, stage), "index.mjs");
        expect(existsSync(bundle)).toBe(true);
        // Publish carries the Kafka producer and the MSK and Secrets Manager clients too.
        expect(statSync(bundle).size).toBeLessThan(MAX_BUNDLE_BYTES);
      }
    }
  });
});
