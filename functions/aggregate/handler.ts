import { parseHandlerEnv } from "../../shared/runtime/env.ts";
import { createAggregateStage } from "../../shared/runtime/stages/aggregate.ts";
import { stageEnvDeps } from "../../shared/runtime/stages/stage-env.ts";
import { createStageHandler } from "../../shared/runtime/stages/stage-handler.ts";

/**
 * Aggregate: second task of each Map iteration (state "Aggregate").
 *
 * Input: the Map item with Compact's result, `{ pipeline, runId, partition, compact }`.
 * Output (stored at `$.aggregate`): `{ partition, tables: [{ table, windows, rows, late, files,
 *   bytes, unchanged }], timing }`.
 */
const deps = stageEnvDeps(parseHandlerEnv());
export const handler = createStageHandler("aggregate", deps.pipeline, createAggregateStage(deps));
