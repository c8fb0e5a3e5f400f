import { ConfigError } from "../core/errors.ts";
import { pipelineRegistry, pipelinesOfModule } from "../core/pipeline/registry.ts";
import type { Pipeline } from "../core/pipeline/types.ts";
import { clickstream } from "./clickstream.ts";

/**
 * Set by the CDK app at bundle time (esbuild `define`) when it was synthesized with
 * `-c pipeline=<path>`: the user's module is bundled into the handlers and its pipelines
 * replace the ones listed here. Undefined everywhere else.
 */
declare const LAKESTREAM_PIPELINE_MODULE: string | undefined;

const bundled =
  typeof LAKESTREAM_PIPELINE_MODULE === "string"
    ? pipelinesOfModule(await import(LAKESTREAM_PIPELINE_MODULE), LAKESTREAM_PIPELINE_MODULE)
    : undefined;

/**
 * Every pipeline of this deployment by name. The CDK app makes one stack per entry and
 * the handlers pick theirs by the PIPELINE environment variable. Add yours here, or keep it
 * in your own module and pass its path: `--pipeline ./my-pipeline.ts` (CLI, `npm start`) or
 * `cdk deploy -c pipeline=./my-pipeline.ts`.
 */
export const pipelines: Readonly<Record<string, Pipeline>> = pipelineRegistry(bundled ?? [clickstream]);

export const defaultPipeline = (bundled?.[0] ?? clickstream).name;

/** Looks a pipeline up by name; an unknown name is a config error naming the choices. */
export function pipelineByName(name: string, field = "pipeline"): Pipeline {
  const p = pipelines[name];
  if (!p)
    throw new ConfigError(field, `unknown pipeline "${name}" (known: ${Object.keys(pipelines).join(", ")})`);
  return p;
}
