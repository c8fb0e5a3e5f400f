import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Node } from "constructs";
import { ConfigError } from "../shared/core/errors.ts";
import { configSchema, type LakestreamConfig } from "./config.ts";

/** CDK context key holding the deployment settings (an object, or its JSON text from `-c`). */
export const CONFIG_CONTEXT_KEY = "lakestream";
/** CDK context key naming a JSON file with the settings; it wins over `lakestream`. */
export const CONFIG_FILE_CONTEXT_KEY = "lakestream:configFile";

/**
 * Validates raw settings. The first problem is thrown as a `ConfigError` whose field is the
 * dotted path (e.g. `lakestream.kafka.clusterArn`), so a wrong value is found without
 * reading a stack trace.
 */
export function parseConfig(raw: unknown, where = CONFIG_CONTEXT_KEY): LakestreamConfig {
  const parsed = configSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError([where, ...issue.path.map(String)].join("."), issue.message);
  }
  return parsed.data;
}

/**
 * Reads the settings from CDK context: `-c lakestream:configFile=deploy/prod.json`, or the
 * `lakestream` object in cdk.json (or `-c lakestream='{"kafka":{...}}'`).
 */
export function loadConfig(node: Node): LakestreamConfig {
  const file: unknown = node.tryGetContext(CONFIG_FILE_CONTEXT_KEY);
  if (file !== undefined) {
    if (typeof file !== "string") throw new ConfigError(CONFIG_FILE_CONTEXT_KEY, "must be a file path");
    return parseConfig(readJson(file, CONFIG_FILE_CONTEXT_KEY), file);
  }
  const value: unknown = node.tryGetContext(CONFIG_CONTEXT_KEY);
  return parseConfig(typeof value === "string" ? parseJson(value, CONFIG_CONTEXT_KEY) : value);
}

function readJson(path: string, field: string): unknown {
  let text: string;
  try {
    text = readFileSync(resolve(path), "utf8");
  } catch (cause) {
    throw new ConfigError(field, `cannot read ${path}`, { cause });
  }
  return parseJson(text, field);
}

function parseJson(text: string, field: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(field, "is not valid JSON", { cause });
  }
}
