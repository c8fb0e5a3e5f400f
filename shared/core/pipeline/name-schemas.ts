import * as z from "../zod.ts";

/** Table and pipeline names: what Glue, Hive and Athena accept without quoting. */
export const identifier = z
  .string()
  .check(
    z.regex(/^[a-z_][a-z0-9_]*$/, "use lower-case letters, digits and underscores"),
    z.maxLength(128, "use at most 128 characters"),
  );

/** Column and struct field names: portable across Parquet readers and SQL engines. */
export const columnName = z
  .string()
  .check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "use letters, digits and underscores"));

/** Kafka's own rule for topic names. */
export const topicName = z.string().check(
  z.regex(/^[A-Za-z0-9._-]{1,249}$/, "not a valid Kafka topic name"),
  z.refine((t) => t !== "." && t !== "..", 'Kafka forbids the topic names "." and ".."'),
);
