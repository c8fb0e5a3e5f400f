import { parseHandlerEnv } from "../../shared/runtime/env.ts";
import { createPublishStage } from "../../shared/runtime/stages/publish.ts";
import { stageEnvDeps } from "../../shared/runtime/stages/stage-env.ts";
import { createStageHandler } from "../../shared/runtime/stages/stage-handler.ts";

/**
 * Publish: last task of a run (state "Publish").
 *
 * Input: the run state, Plan's output plus the Map's `results` (one `{ partition, compact,
 *   aggregate }` per partition).
 * Output (stored at `$.published`): `{ runRecordKey, partitions, writtenBack: { table: n }, timing }`.
 * With KAFKA_BROKERS set, gold tables that declare `writeBack` are written to their topic.
 */
const deps = stageEnvDeps(parseHandlerEnv());
export const handler = createStageHandler("publish", deps.pipeline, createPublishStage(deps));
