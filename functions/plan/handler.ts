import { parseHandlerEnv } from "../../shared/runtime/env.ts";
import { createPlanStage } from "../../shared/runtime/stages/plan.ts";
import { stageEnvDeps } from "../../shared/runtime/stages/stage-env.ts";
import { createStageHandler } from "../../shared/runtime/stages/stage-handler.ts";

/**
 * Plan: first task of a run (state "Plan").
 *
 * Input (the Scheduler's, or `lakestream run` / `npm start`'s):
 *   `{ pipeline, trigger?: "schedule"|"local"|"backfill"|"manual", scheduledTime?|now?: ISO,
 *      from?, to?: ISO (backfill range), allowedLatenessMinutes?, force?, source?: { prefix }, runId? }`
 * Output (becomes the run state): `{ pipeline, runId, trigger, now, planKey, partitions: string[],
 *   stats, timing }`; the Map iterates `$.partitions` (time partition paths).
 */
const deps = stageEnvDeps(parseHandlerEnv());
export const handler = createStageHandler("plan", deps.pipeline, createPlanStage(deps));
