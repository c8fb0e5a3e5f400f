import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Annotations, App, Tags, Validations } from "aws-cdk-lib";
import nag from "cdk-nag";
import { ConfigError } from "../shared/core/errors.ts";
import { SchemaEvolutionError } from "../shared/core/iceberg/errors.ts";
import { checkSchemaLock, parseSchemaLock, schemaLockPath } from "../shared/core/iceberg/schema-lock.ts";
import type { Pipeline } from "../shared/core/pipeline/types.ts";
import { loadConfig } from "./load-config.ts";
import { PipelineStack } from "./stacks/pipeline-stack.ts";
import { SharedStack } from "./stacks/shared-stack.ts";
import { PROJECT_ROOT } from "./stage-entries.ts";

export interface BuildAppOptions {
  /** The pipelines to deploy, usually the registry in shared/pipelines. */
  readonly pipelines: Readonly<Record<string, Pipeline>>;
  /** Extra context over cdk.json's (tests: `aws:cdk:bundling-stacks`, `lakestream`). */
  readonly context?: Record<string, unknown>;
  readonly outdir?: string;
  /** Where `<stage>/handler.ts` files are looked up; tests point this at fixtures. */
  readonly functionsDir?: string;
  /** The folder holding `schemas/<pipeline>.json` (lakestream schema-lock); the project root by default. */
  readonly schemaLockRoot?: string;
}

export interface LakestreamApp {
  readonly app: App;
  readonly shared: SharedStack;
  readonly pipelines: Readonly<Record<string, PipelineStack>>;
  readonly nagPack: nag.AwsSolutionsChecks;
}

/**
 * Builds the CDK app: one shared stack and one stack per pipeline definition, with cdk-nag's
 * AwsSolutions pack registered as a validation plugin, so every synthesis (CLI, tests, the
 * state-machine extractor) fails on an unacknowledged finding.
 */
export function buildApp(options: BuildAppOptions): LakestreamApp {
  const app = new App({
    ...(options.outdir ? { outdir: options.outdir } : {}),
    // The CLI passes cdk.json's context itself; without the CLI we read it so both agree.
    context: process.env.CDK_CONTEXT_JSON ? options.context : { ...cdkJsonContext(), ...options.context },
  });
  const config = loadConfig(app.node);
  const env =
    config.account || config.region ? { account: config.account, region: config.region } : undefined;
  const pipelineList = Object.values(options.pipelines);

  const shared = new SharedStack(app, `${config.stackPrefix}-Shared`, {
    config,
    pipelines: pipelineList,
    env,
    description: "lakestream: lake bucket, Glue database, alarm topic and (optionally) the Kafka cluster",
  });
  const stacks: Record<string, PipelineStack> = {};
  for (const pipeline of pipelineList) {
    stacks[pipeline.name] = new PipelineStack(app, pipelineStackId(config.stackPrefix, pipeline.name), {
      config,
      pipeline,
      shared,
      env,
      functionsDir: options.functionsDir,
      description: `lakestream pipeline ${pipeline.name}: ${pipeline.description}`.slice(0, 1024),
    });
    checkSchemasAgainstLock(pipeline, stacks[pipeline.name]!, options.schemaLockRoot ?? PROJECT_ROOT);
  }
  Tags.of(app).add("lakestream:app", config.stackPrefix);

  const nagPack = new nag.AwsSolutionsChecks(app);
  Validations.of(app).addPlugins(nagPack);
  return { app, shared, pipelines: stacks, nagPack };
}

/**
 * A pipeline change the Iceberg tables cannot take (a narrowed type, a new required column)
 * fails the synth with the column named, before a deploy could fail the first run; a compatible
 * change that the lock does not record yet is a warning to run `lakestream schema-lock`.
 */
function checkSchemasAgainstLock(pipeline: Pipeline, stack: PipelineStack, root: string): void {
  const path = join(root, schemaLockPath(pipeline.name));
  if (!existsSync(path)) return;
  try {
    const checked = checkSchemaLock(pipeline, parseSchemaLock(path, readFileSync(path, "utf8")));
    const lines = [
      ...checked.added.map((t) => `${t}: new table`),
      ...Object.entries(checked.changes).flatMap(([t, c]) => c.map((line) => `${t}: ${line}`)),
    ];
    if (lines.length > 0) {
      Annotations.of(stack).addWarningV2(
        "lakestream:schema-lock",
        `${schemaLockPath(pipeline.name)} does not record these schema changes yet (run lakestream schema-lock): ${lines.join("; ")}`,
      );
    }
  } catch (e) {
    if (!(e instanceof SchemaEvolutionError)) throw e;
    throw new ConfigError(
      `pipeline(${pipeline.name}).schema.${e.column}`,
      `${e.message} (checked against ${schemaLockPath(pipeline.name)})`,
    );
  }
}

/** Stack names allow letters, digits and hyphens; pipeline names may hold underscores. */
export function pipelineStackId(prefix: string, pipeline: string): string {
  return `${prefix}-${pipeline.replaceAll("_", "-")}`;
}

/** The `context` block of cdk.json, so synthesis outside the CLI sees the same feature flags. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, "cdk.json"), "utf8")) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}
