import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type { CloudAssembly } from "aws-cdk-lib/cx-api";
import { buildApp, type LakestreamApp } from "../../../infra/build-app.ts";
import type { Pipeline } from "../../../shared/core/pipeline/types.ts";
import { testPipelines } from "../fixtures/pipelines.ts";

/** Stand-in handlers for every stage, so the full state machine shape is synthesized. */
export const FIXTURE_FUNCTIONS = fileURLToPath(new URL("../fixtures/functions", import.meta.url));

export interface Synthesized {
  readonly built: LakestreamApp;
  readonly assembly: CloudAssembly;
  readonly outdir: string;
  template(stack: Stack): Template;
  /** The raw template JSON, for checks the assertions API cannot express. */
  json(stack: Stack): { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  cleanup(): void;
}

export interface SynthOptions {
  readonly lakestream?: Record<string, unknown>;
  readonly pipelines?: Readonly<Record<string, Pipeline>>;
  readonly functionsDir?: string;
  /** Real esbuild bundling; off by default to keep tests fast. */
  readonly bundle?: boolean;
}

/** Synthesizes the app once (offline, no credentials) into a temporary cloud assembly. */
export function synthesize(options: SynthOptions = {}): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), "lakestream-infra-test-"));
  const built = buildApp({
    pipelines: options.pipelines ?? testPipelines,
    outdir,
    functionsDir: options.functionsDir ?? FIXTURE_FUNCTIONS,
    context: {
      ...(options.bundle ? {} : { "aws:cdk:bundling-stacks": [] }),
      ...(options.lakestream ? { lakestream: options.lakestream } : {}),
    },
  });
  const assembly = built.app.synth();
  const json = (stack: Stack) => assembly.getStackByName(stack.stackName).template;
  return {
    built,
    assembly,
    outdir,
    json,
    template: (stack) => Template.fromJSON(json(stack)),
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}
