import { type ParseArgsOptionsConfig, parseArgs } from "node:util";
import { ConfigError } from "../../core/errors.ts";
import type { Pipeline } from "../../core/pipeline/types.ts";
import { loadPipeline } from "../../pipelines/load-pipelines.ts";
import { checkS3Endpoint, type StoreLocation } from "../../storage/open-store.ts";
import { UsageError } from "./errors.ts";

/**
 * One flag of a command: how parseArgs reads it and how `--help` shows it. Each command has one
 * table of these that both parsing and help use, so a flag cannot exist without its help line.
 */
export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly multiple?: boolean;
  readonly short?: string;
  /** Placeholder of the value in help, e.g. `DIR`. */
  readonly value?: string;
  /** What the flag does, one line. */
  readonly help: string;
  /** What applies when the flag is absent, as help shows it (not given to parseArgs). */
  readonly fallback?: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

type ValueOf<S extends OptionSpec> = S["type"] extends "boolean"
  ? S["multiple"] extends true
    ? boolean[]
    : boolean
  : S["multiple"] extends true
    ? string[]
    : string;

/** The parsed flags of a table: each one present or undefined. */
export type OptionValues<O extends OptionSpecs> = { -readonly [K in keyof O]?: ValueOf<O[K]> };

/**
 * Node's parseArgs over a command's option table, with lakestream's error style: an unknown or
 * malformed flag is a UsageError. Positionals are refused unless the command takes them.
 */
export function parseOptions<const O extends OptionSpecs>(
  argv: string[],
  options: O,
  positionals = false,
): { values: OptionValues<O>; positionals: string[] } {
  const config: ParseArgsOptionsConfig = {};
  for (const [name, o] of Object.entries(options)) {
    config[name] = {
      type: o.type,
      ...(o.multiple ? { multiple: true } : {}),
      ...(o.short ? { short: o.short } : {}),
    };
  }
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: config, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (!positionals && parsed.positionals.length > 0) {
    throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
  }
  return { values: parsed.values as OptionValues<O>, positionals: parsed.positionals };
}

/** The `--help` text of a command: usage line, summary, then every flag of its table with its default. */
export function renderHelp(
  command: string,
  spec: { summary?: string; usage?: string; options?: OptionSpecs },
): string {
  const flags = Object.entries(spec.options ?? {}).map(([name, o]) => ({
    left: `${o.short ? `-${o.short}, ` : ""}--${name}${o.type === "string" ? ` ${o.value ?? "VALUE"}` : ""}`,
    right: `${o.help}${o.multiple ? " (repeatable)" : ""}${o.fallback === undefined ? "" : ` (default: ${o.fallback})`}`,
  }));
  flags.push({ left: "-h, --help", right: "show this help" });
  const width = Math.max(...flags.map((f) => f.left.length)) + 2;
  return [
    spec.usage ?? `usage: lakestream ${command} [options]`,
    ...(spec.summary ? ["", spec.summary] : []),
    "",
    "options:",
    ...flags.map((f) => `  ${f.left.padEnd(width)}${f.right}`),
    "",
  ].join("\n");
}

/** `--pipeline`: which pipeline a command runs. */
export const PIPELINE_OPTION = {
  pipeline: {
    type: "string",
    value: "NAME|PATH",
    help: "a pipeline of shared/pipelines by name, or a .ts/.js module defining one (PATH#NAME picks one of several)",
    fallback: "clickstream",
  },
} as const satisfies OptionSpecs;

/** `--brokers`: the Kafka cluster a command talks to. */
export const BROKERS_OPTION = {
  brokers: {
    type: "string",
    value: "LIST",
    help: "Kafka bootstrap servers, host:port,... (security from LAKESTREAM_KAFKA_*)",
    fallback: "$LAKESTREAM_KAFKA_BROKERS, else 127.0.0.1:9092",
  },
} as const satisfies OptionSpecs;

/**
 * The pipeline `--pipeline` names (the registry's default without it). A wrong name or path is
 * a usage error; a definition that fails validation stays a ConfigError naming its field.
 */
export async function pipelineOption(ref: string | undefined): Promise<Pipeline> {
  try {
    return await loadPipeline(ref, "--pipeline");
  } catch (e) {
    if (e instanceof ConfigError && e.field === "--pipeline") throw new UsageError(e.message, { cause: e });
    throw e;
  }
}

/** `--verbose`: the handlers' JSON logs on stderr. */
export const VERBOSE_OPTION = {
  verbose: { type: "boolean", help: "print the handlers' JSON logs on stderr" },
} as const satisfies OptionSpecs;

/** Flags that choose the lake, shared by the commands that write to it. */
export const LAKE_OPTIONS = {
  lake: { type: "string", value: "DIR", help: "a lake folder on this machine", fallback: "./lake" },
  bucket: { type: "string", value: "NAME", help: "an S3 bucket holding the lake, instead of a folder" },
  "s3-endpoint": {
    type: "string",
    value: "URL",
    help: "an S3-compatible server for --bucket (credentials come from the AWS environment, never the URL)",
    fallback: "AWS S3",
  },
} as const satisfies OptionSpecs;

/** `--lake <dir>` or `--bucket <b> [--s3-endpoint <url>]`; the embedded default is ./lake. */
export function lakeLocation(values: {
  lake?: string;
  bucket?: string;
  "s3-endpoint"?: string;
}): StoreLocation {
  if (values.lake !== undefined && values.bucket !== undefined) {
    throw new UsageError("give either --lake <dir> or --bucket <name>, not both");
  }
  if (values["s3-endpoint"] !== undefined && values.bucket === undefined) {
    throw new UsageError("--s3-endpoint needs --bucket");
  }
  if (values["s3-endpoint"] !== undefined) {
    try {
      checkS3Endpoint(values["s3-endpoint"], "--s3-endpoint");
    } catch (e) {
      throw e instanceof ConfigError ? new UsageError(e.message) : e;
    }
  }
  if (values.bucket !== undefined) {
    return { bucket: values.bucket, ...(values["s3-endpoint"] ? { endpoint: values["s3-endpoint"] } : {}) };
  }
  return { lake: values.lake ?? "./lake" };
}

/** A positive integer flag, or a UsageError naming it. */
export function intOption(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`--${name} must be an integer ≥ ${min}, got "${value}"`);
  return n;
}

/** Handlers log JSON to stdout in Lambda; a CLI keeps stdout for its result unless asked. */
export function quietLambdaLogs(verbose: boolean | undefined): void {
  process.env.POWERTOOLS_METRICS_DISABLED ??= "true";
  if (!verbose) process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
}
