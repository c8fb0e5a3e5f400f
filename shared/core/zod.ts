import { en } from "zod/locales";
import { config } from "zod/mini";
// Not `core.memoizer` from "zod/mini": using its `core` namespace bundles every locale again.
import { memoizer } from "zod/v4/core";

/**
 * `zod/mini` set up like classic `zod`, for the validation code bundled into the Lambdas.
 * Classic `zod` puts ~445 KiB into a bundle (it keeps every locale); `zod/mini` with this
 * setup ~37 KiB. Mini installs nothing by default, so this module does what classic zod does
 * on its first schema: English messages for the built-in checks ("Invalid input: expected
 * string, received number"), and the memoizer that lets containers parse input with
 * reference cycles. Only the English locale is bundled.
 *
 * Import it instead of "zod/mini" (`import * as z from "../zod.ts"`): being the module that
 * re-exports zod, it is always evaluated before a schema is built (the memoizer is read at
 * construction). Shares zod's global config, so it also applies to classic zod (same values).
 */
config({ ...en(), memoizer: memoizer() });

export * from "zod/mini";
