import { ConfigError } from "../core/errors.ts";
import { pipelineRegistry } from "../core/pipeline/registry.ts";
import type { Pipeline } from "../core/pipeline/types.ts";
import { clickstream } from "./clickstream.ts";

/**
 * Every pipeline of this deployment by name. The CDK app makes one stack per entry and
 * the handlers pick theirs by the PIPELINE environment variable. Add yours here.
 */
export const pipelines: Readonly<Record<string, Pipeline>> = pipelineRegistry([clickstream]);

export const defaultPipeline = clickstream.name;

/** Looks a pipeline up by name; an unknown name is a config error naming the choices. */
export function pipelineByName(name: string, field = "pipeline"): Pipeline {
  const p = pipelines[name];
  if (!p)
    throw new ConfigError(field, `unknown pipeline "${name}" (known: ${Object.keys(pipelines).join(", ")})`);
  return p;
}
