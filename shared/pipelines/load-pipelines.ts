import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError } from "../core/errors.ts";
import { pipelineRegistry, pipelinesOfModule } from "../core/pipeline/registry.ts";
import type { Pipeline } from "../core/pipeline/types.ts";

/** A reference is a module path when it names a file (has a folder or a script extension). */
export function isModuleReference(ref: string): boolean {
  return /[/\\]/.test(ref.split("#")[0]!) || /\.(ts|mts|js|mjs)(#|$)/.test(ref);
}

/**
 * The pipelines a `--pipeline` value (or the CDK's `pipeline` context) names: a registry name
 * (shared/pipelines), or the path of a .ts/.js module defining one or more, optionally
 * `PATH#NAME` to pick one. Loaded on demand, so a broken definition only breaks the commands
 * that use it. Errors are ConfigErrors naming `field`.
 */
export async function loadPipelines(ref: string, field = "pipeline"): Promise<Pipeline[]> {
  if (!isModuleReference(ref)) {
    const { pipelineByName } = await import("./index.ts");
    return [pipelineByName(ref, field)];
  }
  const [path = "", name] = ref.split("#");
  const file = resolve(path);
  if (!existsSync(file)) throw new ConfigError(field, `no pipeline module at ${file}`);
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const found = Object.values(pipelineRegistry(pipelinesOfModule(mod, path)));
  if (name === undefined) return found;
  const picked = found.find((p) => p.name === name);
  if (!picked) {
    throw new ConfigError(
      field,
      `${path} defines no pipeline "${name}" (it has ${found.map((p) => p.name).join(", ")})`,
    );
  }
  return [picked];
}

/** The one pipeline a command runs: the registry's default when `ref` is absent. */
export async function loadPipeline(ref: string | undefined, field = "--pipeline"): Promise<Pipeline> {
  if (ref === undefined) {
    const { defaultPipeline, pipelineByName } = await import("./index.ts");
    return pipelineByName(defaultPipeline, field);
  }
  const found = await loadPipelines(ref, field);
  if (found.length > 1) {
    throw new ConfigError(
      field,
      `${ref} defines ${found.length} pipelines (${found.map((p) => p.name).join(", ")}): pick one with ${ref}#NAME`,
    );
  }
  return found[0]!;
}
