import { ConfigError } from "../errors.ts";
import { definePipeline } from "./define-pipeline.ts";
import type { Pipeline } from "./types.ts";

/**
 * The pipelines of one deployment by name. Two pipelines with one name would silently replace
 * each other, and two writing one table would mix their rows and race on its commits, so both
 * fail here, when the registry loads (CLI start, cold start, `cdk synth`), naming the field.
 */
export function pipelineRegistry(list: readonly Pipeline[]): Readonly<Record<string, Pipeline>> {
  const byName: Record<string, Pipeline> = {};
  const writers = new Map<string, string>();
  for (const p of list) {
    if (Object.hasOwn(byName, p.name)) {
      throw new ConfigError(`pipelines.${p.name}.name`, `pipeline "${p.name}" is defined twice`);
    }
    byName[p.name] = p;
    const tables: [string, string][] = [
      ["sink.table", p.sink.table],
      ...(p.aggregations?.tables ?? []).map((t, i): [string, string] => [
        `aggregations.tables.${i}.table`,
        t.table,
      ]),
    ];
    for (const [field, table] of tables) {
      const owner = writers.get(table);
      if (owner !== undefined && owner !== p.name) {
        throw new ConfigError(
          `pipelines.${p.name}.${field}`,
          `"${table}" is already written by pipeline ${owner}`,
        );
      }
      writers.set(table, p.name);
    }
  }
  return Object.freeze(byName);
}

/**
 * The pipelines a user's module exports (named or default), each validated by `definePipeline`
 * again, so a module may export plain definitions too. `where` names the module in errors.
 */
export function pipelinesOfModule(mod: Readonly<Record<string, unknown>>, where: string): Pipeline[] {
  const seen = new Set<unknown>();
  const out: Pipeline[] = [];
  for (const [name, value] of Object.entries(mod)) {
    if (!looksLikePipeline(value) || seen.has(value)) continue;
    seen.add(value);
    try {
      out.push(definePipeline(value as never));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      throw new ConfigError(`${where}#${name}.${e.field}`, e.message.slice(e.field.length + 2), { cause: e });
    }
  }
  if (out.length === 0) {
    throw new ConfigError(where, "exports no pipeline (a definePipeline(...) result, named or default)");
  }
  return out;
}

function looksLikePipeline(v: unknown): boolean {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.name === "string" && typeof o.transform === "function" && typeof o.sink === "object";
}
