import { pipelineByName } from "../../shared/pipelines/index.ts";
import { parseHandlerEnv } from "../../shared/runtime/env.ts";
import { resolveKafkaConnection } from "../../shared/runtime/kafka-connection-aws.ts";
import { createPublishStage } from "../../shared/runtime/stages/publish.ts";
import { stageEnvDeps } from "../../shared/runtime/stages/stage-env.ts";
import { createStageHandler } from "../../shared/runtime/stages/stage-handler.ts";

/**
 * Publish: last task of a run (state "Publish").
 *
 * Input: the run state, Plan's output plus the Map's `results` (one `{ partition, compact,
 *   aggregate }` per partition).
 * Output (stored at `$.published`): `{ runRecordKey, partitions, writtenBack: { table: n }, timing }`.
 * Gold tables that declare `writeBack` are written to their topic; the Kafka connection
 * (KAFKA_BROKERS or the MSK cluster ARN, SCRAM user and CA from Secrets Manager) is resolved
 * once at cold start, only when a table writes back.
 */
const env = parseHandlerEnv();
const writesBack = pipelineByName(env.PIPELINE, "env.PIPELINE").aggregations?.tables.some((t) => t.writeBack);
const deps = stageEnvDeps(env, writesBack ? await resolveKafkaConnection(process.env) : undefined);
export const handler = createStageHandler("publish", deps.pipeline, createPublishStage(deps));
