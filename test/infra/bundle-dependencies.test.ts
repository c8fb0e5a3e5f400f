import { readFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { FUNCTIONS_DIR, INGEST_WORKERS, stageEntries } from "../../infra/stage-entries.ts";

/**
 * Regression test of issue 11, item 14: every package a Lambda bundle holds must be a runtime
 * dependency, or `npm ci --omit=dev` (and anyone installing lakestream) would not install it.
 * Bundles each handler with esbuild as the stack does and reads which packages went in.
 */

const ROOT = join(import.meta.dirname, "../..");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
};

/** `node_modules/@scope/name/...` or `node_modules/name/...` → the package a direct import names. */
function packageOf(input: string): string | undefined {
  const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  return m?.[1];
}

describe("packages bundled into the Lambda handlers (issue 11, item 14)", () => {
  // The file source's ingest has no stage of the state machine but is bundled alike.
  const files: [string, string][] = [["ingest-files", join(FUNCTIONS_DIR, "ingest-files", "handler.ts")]];
  // The ingest's worker scripts are bundled on their own into the same asset.
  it.each([...Object.entries(stageEntries()), ...files, ...Object.entries(INGEST_WORKERS)])(
    "%s: each one its code imports is a runtime dependency",
    async (_stage, entry) => {
      const result = await build({
        entryPoints: [entry],
        bundle: true,
        platform: "node",
        target: "node24",
        format: "esm",
        write: false,
        metafile: true,
        logLevel: "silent",
        define: { LAKESTREAM_PIPELINE_MODULE: "undefined" },
      });
      // Packages imported by lakestream's own files, not by other packages (their own dependencies).
      const direct = new Set<string>();
      for (const [file, input] of Object.entries(result.metafile.inputs)) {
        if (packageOf(file) !== undefined) continue;
        for (const imported of input.imports) {
          const name = packageOf(imported.path);
          if (name !== undefined) direct.add(name);
        }
      }
      expect(direct.size).toBeGreaterThan(0);
      const missing = [...direct].filter((name) => !(name in pkg.dependencies));
      expect(missing).toEqual([]);
    },
  );
});
