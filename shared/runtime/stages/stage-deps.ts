import type { TableCatalog } from "../../catalog/table-catalog.ts";
import type { Pipeline } from "../../core/pipeline/types.ts";
import { PlanMissingError } from "../../core/stages/errors.ts";
import type { PlanDocument } from "../../core/stages/plan.ts";
import { runDocumentKey, type StageTiming } from "../../core/stages/stage-io.ts";
import type { ObjectStore } from "../../storage/object-store.ts";
import type { TableFiles } from "../../storage/table-files.ts";
import type { WriteBackSink } from "../write-back-rows.ts";

/** What every later stage runs on; Lambda builds it from env, the local runner and tests pass real local parts. */
export interface StageDeps {
  readonly pipeline: Pipeline;
  readonly store: ObjectStore;
  /** Parallel gets and puts; S3 is latency-bound. */
  readonly concurrency?: number;
  /** Write-back sink per topic (publish); absent: aggregate rows are not written back. */
  readonly writeBack?: (topic: string) => WriteBackSink;
  /**
   * Where the Iceberg tables are registered: Glue's Iceberg REST endpoint or S3 Tables in AWS,
   * a REST server in tests; absent: the storage catalog in the lake itself (laptop default).
   */
  readonly catalog?: TableCatalog;
  /** The catalog namespace (Glue database) of the pipeline's tables; defaults to "lakestream". */
  readonly namespace?: string;
  /**
   * Where tables' files are read and written by location; absent: the lake only. S3 Tables keeps
   * each table in storage of its own, which needs a store per bucket (stage-env.ts).
   */
  readonly files?: TableFiles;
}

export const DEFAULT_NAMESPACE = "lakestream";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export async function readJson<T>(store: ObjectStore, key: string): Promise<T | undefined> {
  const body = await store.get(key);
  return body === undefined ? undefined : (JSON.parse(decoder.decode(body)) as T);
}

/** Replaces the document in one put: S3 and the fs store both make a put atomic. */
export async function writeJson(store: ObjectStore, key: string, value: unknown): Promise<void> {
  await store.put(key, encoder.encode(`${JSON.stringify(value, null, 1)}\n`), {
    contentType: "application/json",
  });
}

/** The run's plan; missing means the run did not pass Plan (or the lake was wiped): start again. */
export async function readPlan(store: ObjectStore, pipeline: Pipeline, runId: string): Promise<PlanDocument> {
  const key = runDocumentKey(pipeline.name, runId, "plan.json");
  const plan = await readJson<PlanDocument>(store, key);
  if (!plan || plan.pipeline !== pipeline.name) {
    throw new PlanMissingError(`${key}: no plan of pipeline ${pipeline.name} for run ${runId}`);
  }
  return plan;
}

/** Starts a wall-clock timer for the run record; it never decides where data goes. */
export function startTiming(): () => StageTiming {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  return () => ({ startedAt, durationMs: Math.round(performance.now() - t0) });
}
