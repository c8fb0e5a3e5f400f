import { FILE_FORMATS } from "../files/file-source.ts";
import * as z from "../zod.ts";

const oneCharacter = z.string().check(z.length(1, "must be one character"));

/**
 * `source.files`: a key prefix (folders of letters, digits and `_ - . = /`, as S3 event rules
 * and IAM grants match them literally), an optional format and the CSV dialect.
 */
export const fileSourceSchema = z.strictObject({
  prefix: z
    .string()
    .check(
      z.regex(
        /^([A-Za-z0-9_=-][A-Za-z0-9_.=-]*\/)*[A-Za-z0-9_.=-]*$/,
        'use folder names of letters, digits, "_", "-", "=" and "." (not first), separated by "/"',
      ),
      z.maxLength(512),
    ),
  format: z.optional(z.enum(FILE_FORMATS as ["jsonl", "csv", "text", "parquet"])),
  csv: z.optional(
    z.strictObject({
      header: z.optional(z.boolean()),
      delimiter: z.optional(oneCharacter),
      quote: z.optional(oneCharacter),
      escape: z.optional(oneCharacter),
    }),
  ),
});
