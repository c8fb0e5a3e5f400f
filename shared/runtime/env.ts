import { ConfigError } from "../core/errors.ts";
import * as z from "../core/zod.ts";

/**
 * The handlers' environment, parsed once at cold start. A wrong or missing variable fails
 * the cold start with its name, instead of failing every batch later.
 */
const schema = z
  .object({
    PIPELINE: z.string().check(z.minLength(1)),
    /** S3 bucket of the lake (in AWS), or … */
    LAKE_BUCKET: z.optional(
      z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "not a valid S3 bucket name")),
    ),
    /** … a local directory (laptop runs and tests). */
    LAKE_DIR: z.optional(z.string().check(z.minLength(1))),
    /** S3-compatible endpoint for local servers; unset in AWS. */
    S3_ENDPOINT: z.optional(z.url()),
    /** Comma-separated brokers for write-back; unset when the pipeline has no write-back. */
    KAFKA_BROKERS: z.optional(z.string()),
  })
  .check(
    z.refine((e) => Boolean(e.LAKE_BUCKET) !== Boolean(e.LAKE_DIR), {
      path: ["LAKE_BUCKET"],
      message: "set exactly one of LAKE_BUCKET and LAKE_DIR",
    }),
  );

export type HandlerEnv = z.infer<typeof schema>;

export function parseHandlerEnv(env: Readonly<Record<string, string | undefined>> = process.env): HandlerEnv {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`env.${issue.path.join(".")}`, issue.message);
  }
  return parsed.data;
}
