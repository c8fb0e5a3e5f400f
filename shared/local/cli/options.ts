import { type ParseArgsOptionsConfig, parseArgs } from "node:util";
import type { StoreLocation } from "../../storage/open-store.ts";
import { UsageError } from "./errors.ts";

/**
 * parseArgs with lakestream's error style: an unknown or malformed flag is a UsageError.
 * Positionals are refused unless the command takes them.
 */
export function parseOptions<const O extends ParseArgsOptionsConfig>(
  argv: string[],
  options: O,
  positionals = false,
) {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
  >;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (!positionals && parsed.positionals.length > 0) {
    throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
  }
  return parsed;
}

/** Flags that choose the lake, shared by the commands that write to it. */
export const LAKE_OPTIONS = {
  lake: { type: "string" },
  bucket: { type: "string" },
  "s3-endpoint": { type: "string" },
} as const;

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
