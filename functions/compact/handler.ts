import { parseHandlerEnv } from "../../shared/runtime/env.ts";
import { createCompactStage } from "../../shared/runtime/stages/compact.ts";
import { stageEnvDeps } from "../../shared/runtime/stages/stage-env.ts";
import { createStageHandler } from "../../shared/runtime/stages/stage-handler.ts";

/**
 * Compact: first task of each Map iteration (state "Compact").
 *
 * Input (the Map's ItemSelector): `{ pipeline, runId, partition: "dt=…/hour=…" }`.
 * Output (stored at `$.compact` of the item): `{ partition, paths, filesIn, bytesIn, rowsIn,
 *   duplicates, rowsOut, filesOut, bytesOut, unchanged, timing }`.
 */
const deps = stageEnvDeps(parseHandlerEnv());
export const handler = createStageHandler("compact", deps.pipeline, createCompactStage(deps));
