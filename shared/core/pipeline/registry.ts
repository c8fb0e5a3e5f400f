import { ConfigError } from "../errors.ts";
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
