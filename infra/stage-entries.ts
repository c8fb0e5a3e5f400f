import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root: esbuild resolves package-lock.json and tsconfig.json from here. */
export const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Where the handlers live: `functions/<stage>/handler.ts`. */
export const FUNCTIONS_DIR = join(PROJECT_ROOT, "functions");

/**
 * Scripts the ingest handlers start as worker threads by path (shared/runtime/encode-pool.ts
 * looks for `encode-worker.mjs` beside its bundle), by output name: esbuild cannot reach them by
 * following imports, so each is bundled on its own into the function's asset.
 */
export const INGEST_WORKERS: Readonly<Record<string, string>> = {
  "encode-worker": join(PROJECT_ROOT, "shared", "runtime", "encode-worker.ts"),
};

/**
 * The ingest functions' V8 flags. A batch's own data is about 2 MB, but under the ingest's
 * allocation rate V8 widens its young generation to tens of MB, which is most of the memory a
 * batch costs (8x the batch; 0.4x with a 4 MB semi-space, throughput within the bench's noise:
 * docs/performance.md), and memory is what a Lambda function is priced by.
 */
export const INGEST_NODE_OPTIONS: readonly string[] = ["--max-semi-space-size=4"];

/** Every stage with a Lambda handler, in pipeline order. */
export const ALL_STAGES = ["ingest", "plan", "compact", "aggregate", "publish", "maintain"] as const;
export type Stage = (typeof ALL_STAGES)[number];

/**
 * The handler files that exist, by stage. Infra never imports handler code; it points esbuild
 * at these files. A stage whose handler is not written yet gets no function, so the stack
 * always synthesizes with what is there.
 */
export function stageEntries(functionsDir: string = FUNCTIONS_DIR): Partial<Record<Stage, string>> {
  const found: Partial<Record<Stage, string>> = {};
  for (const stage of ALL_STAGES) {
    const entry = join(functionsDir, stage, "handler.ts");
    if (existsSync(entry)) found[stage] = entry;
  }
  return found;
}
