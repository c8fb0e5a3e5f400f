import { createAggregateStage } from "../../runtime/stages/aggregate.ts";
import { createCompactStage } from "../../runtime/stages/compact.ts";
import { createMaintainStage } from "../../runtime/stages/maintain.ts";
import { createPlanStage } from "../../runtime/stages/plan.ts";
import { createPublishStage } from "../../runtime/stages/publish.ts";
import type { StageDeps } from "../../runtime/stages/stage-deps.ts";
import { createStageHandler } from "../../runtime/stages/stage-handler.ts";
import { lambdaLikeContext } from "../lambda-context.ts";
import type { LocalStageHandler } from "./run-local.ts";

/**
 * The stage handlers exactly as `functions/<stage>/handler.ts` builds them (middy, Powertools),
 * with dependencies passed in instead of read from the environment. `wrap` lets a test put
 * something around one stage (a crash midway, a counter) without touching the others.
 */
export function localStageHandlers(
  deps: StageDeps,
  wrap: (stage: string, handler: LocalStageHandler) => LocalStageHandler = (_, h) => h,
): Record<string, LocalStageHandler> {
  const stages: Record<string, (d: StageDeps) => (input: unknown) => Promise<unknown>> = {
    plan: createPlanStage,
    compact: createCompactStage,
    aggregate: createAggregateStage,
    publish: createPublishStage,
    maintain: (d) => createMaintainStage(d),
  };
  return Object.fromEntries(
    Object.entries(stages).map(([stage, create]) => {
      const handler = createStageHandler(stage, deps.pipeline, create(deps));
      const local: LocalStageHandler = (input) => handler(input, lambdaLikeContext(`lakestream-${stage}`));
      return [stage, wrap(stage, local)];
    }),
  );
}
