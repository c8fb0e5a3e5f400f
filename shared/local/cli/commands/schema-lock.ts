import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import {
  checkSchemaLock,
  parseSchemaLock,
  schemaLockPath,
  serializeSchemaLock,
} from "../../../core/iceberg/schema-lock.ts";
import { type OptionSpecs, PIPELINE_OPTION, parseOptions, pipelineOption } from "../options.ts";

export const summary =
  "record (or --check) the Iceberg tables' schemas that cdk synth checks changes against";

export const usage = "usage: lakestream schema-lock [options]";

export const options = {
  ...PIPELINE_OPTION,
  check: { type: "boolean", help: "only check: exit 1 when the lock is missing or out of date" },
  root: { type: "string", value: "DIR", help: "project folder holding schemas/", fallback: "." },
} as const satisfies OptionSpecs;

/**
 * `lakestream schema-lock [--pipeline P] [--check] [--root DIR]`: writes `schemas/<pipeline>.json`
 * with the schemas (and field ids) of the pipeline's Iceberg tables, evolved from the previous
 * lock. A change Iceberg cannot make fails here with the table and column named, as it fails
 * `cdk synth`; commit the file with the pipeline change.
 */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseOptions(argv, options);
  const pipeline = await pipelineOption(values.pipeline);
  const path = resolve(values.root ?? ".", schemaLockPath(pipeline.name));
  const lock = existsSync(path) ? parseSchemaLock(path, await readFile(path, "utf8")) : undefined;
  const checked = checkSchemaLock(pipeline, lock);
  const changed = Object.entries(checked.changes).flatMap(([t, c]) => c.map((line) => `${t}: ${line}`));
  const lines = [...checked.added.map((t) => `${t}: new table`), ...changed];
  if (values.check) {
    if (lines.length === 0) {
      process.stdout.write(`${path}: up to date\n`);
      return 0;
    }
    process.stderr.write(`${path} is out of date; run lakestream schema-lock:\n  ${lines.join("\n  ")}\n`);
    return 1;
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, serializeSchemaLock(checked.next));
  process.stdout.write(
    `${path}: ${lines.length === 0 ? "up to date" : `recorded\n  ${lines.join("\n  ")}`}\n`,
  );
  return 0;
}
