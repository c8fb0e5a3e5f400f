import { parseHandlerEnv } from "../../shared/runtime/env.ts";
import { createMaintainStage } from "../../shared/runtime/stages/maintain.ts";
import { stageEnvDeps } from "../../shared/runtime/stages/stage-env.ts";
import { createStageHandler } from "../../shared/runtime/stages/stage-handler.ts";

/**
 * Maintain: after Publish (state "Maintain").
 *
 * Input: the run state (only `pipeline` is read), optionally `snapshotRetentionHours` and
 *   `orphanFileAgeHours` to override the pipeline's maintenance settings for one run.
 * Output (stored at `$.maintained`): `{ tables: [{ table, manifests, manifestsMerged,
 *   snapshotsExpired, orphansRemoved, bytesRemoved }], timing }`.
 * The only stage that deletes, and only under the tables' own folders.
 */
const deps = stageEnvDeps(parseHandlerEnv());
export const handler = createStageHandler("maintain", deps.pipeline, createMaintainStage(deps));
