import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FUNCTIONS_DIR, stageEntries } from "../../infra/stage-entries.ts";
import { compileBatchLayout, compileBatchPlanner, type PlannedFile } from "../../shared/core/batch.ts";
import { fileEncoderSpec } from "../../shared/core/encode/file-encoder.ts";
import { decodeKafkaEvent } from "../../shared/core/kafka-decode.ts";
import { clickstream } from "../../shared/pipelines/clickstream.ts";
import { pipelines } from "../../shared/pipelines/index.ts";
import { createEncodePool } from "../../shared/runtime/encode-pool.ts";
import { sampleEvent, sampleRawRecords } from "../helpers/sample-events.ts";
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
  const dir = maybeFunctionAsset(stackName, stage);
  if (!dir) throw new Error(`no ${stage} function in ${stackName}`);
  return dir;
}

function maybeFunctionAsset(stackName: string, stage: string): string | undefined {
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
  if (!key) return undefined;
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

  it("ships the encode worker beside each ingest handler; the bundled worker encodes files byte-identical to inline", async () => {
    const workers: string[] = [];
    for (const stack of Object.values(synth.built.pipelines)) {
      for (const stage of ["ingest", "ingest-files"]) {
        const dir = maybeFunctionAsset(stack.stackName, stage);
        if (!dir) continue;
        const worker = join(dir, "encode-worker.mjs");
        expect(existsSync(worker)).toBe(true);
        // Its own small bundle (about 60 KiB): the encoders, not the AWS SDK or the pipeline.
        expect(statSync(worker).size).toBeLessThan(150 * 1024);
        expect(readFileSync(worker, "utf8")).not.toContain("S3Client");
        // The handler's pool looks for it by that name beside its own file.
        expect(readFileSync(join(dir, "index.mjs"), "utf8")).toContain("./encode-worker.");
        workers.push(worker);
      }
    }
    expect(workers.length).toBeGreaterThanOrEqual(Object.keys(synth.built.pipelines).length);

    const records = [0, 1].flatMap((partition) => sampleRawRecords(0, 600, { spacingMs: 60_000, partition }));
    const batches = decodeKafkaEvent(sampleEvent(records));
    const sha = (f: PlannedFile) => `${f.key} ${createHash("sha256").update(f.body).digest("hex")}`;
    const inline = compileBatchPlanner(clickstream)(batches).dataFiles.map(sha);
    const pool = createEncodePool({ workers: 1, workerUrl: pathToFileURL(workers[0]!) });
    try {
      const pooled = await pool.encode(
        fileEncoderSpec(clickstream),
        compileBatchLayout(clickstream)(batches).pendingFiles,
      );
      expect(inline.length).toBeGreaterThan(5);
      expect(pooled.map(sha)).toEqual(inline);
    } finally {
      await pool.close();
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
