import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { captureLambdaHandler } from "@aws-lambda-powertools/tracer/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import type { Pipeline } from "../../core/pipeline/types.ts";
import { createObservability } from "../observability.ts";

export type StageHandler<O> = (event: unknown, context: Context) => Promise<O>;

/**
 * Wraps a stage as a Lambda handler: Powertools logging with the pipeline and stage as keys,
 * one line per invocation with the stage's counts (never rows). A thrown error keeps its
 * `name`, which is what the state machine's Retry and Catch match on.
 */
export function createStageHandler<O>(
  stage: string,
  pipeline: Pipeline,
  run: (input: unknown) => Promise<O>,
): StageHandler<O> {
  const { logger, tracer } = createObservability(pipeline.name);
  // Persistent: injectLambdaContext's resetKeys drops keys appended the ordinary way after each call.
  logger.appendPersistentKeys({ pipeline: pipeline.name, stage });
  const base = async (event: unknown): Promise<O> => {
    tracer.putAnnotation("pipeline", pipeline.name);
    tracer.putAnnotation("stage", stage);
    try {
      const output = await run(event);
      logger.info("stage done", { output: countsOf(output) });
      return output;
    } catch (e) {
      logger.error("stage failed", e as Error);
      throw e;
    }
  };
  const handler = middy(base)
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }));
  return (event, context) => handler(event, context);
}

/** Numbers and short strings of the output only: stage outputs carry counts and keys, never payloads. */
function countsOf(output: unknown): Record<string, unknown> {
  if (typeof output !== "object" || output === null) return {};
  return Object.fromEntries(
    Object.entries(output).filter(
      ([, v]) => typeof v === "number" || (typeof v === "string" && v.length < 200),
    ),
  );
}
