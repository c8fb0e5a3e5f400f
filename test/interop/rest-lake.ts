import { cp } from "node:fs/promises";
import { RestCatalog } from "../../shared/catalog/rest-catalog.ts";
import type { Pipeline } from "../../shared/core/pipeline/types.ts";
import { Progress } from "../../shared/local/main-job/progress.ts";
import { runStages } from "../../shared/local/main-job/run-stages.ts";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";
import {
  assertRestCatalogReady,
  localPath,
  type RestCatalogEndpoint,
  restMetadataLocation,
} from "../helpers/catalogs.ts";
import type { IcebergSource } from "./sql-checks.ts";

/**
 * A copy of a lake whose tables lakestream publishes through an Iceberg REST catalog server
 * (the stages over the same raw landing files, in a fresh namespace), so an engine can read them
 * through that catalog. Returns the namespace and each table's current metadata file, as the
 * server names it, for readers that take a file (DuckDB).
 */
export async function publishThroughRest(o: {
  endpoint: RestCatalogEndpoint;
  pipeline: Pipeline;
  lake: string;
  copy: string;
  tables: readonly string[];
}): Promise<{ namespace: string; metadata: IcebergSource }> {
  await assertRestCatalogReady(o.endpoint);
  await cp(o.lake, o.copy, { recursive: true });
  const namespace = `interop_${Date.now().toString(36)}_${process.pid.toString(36)}`;
  const runId = `rest-${namespace}`;
  const run = await runStages({
    deps: {
      pipeline: o.pipeline,
      store: new FsObjectStore(o.copy, { durable: false }),
      catalog: new RestCatalog({ uri: o.endpoint.uri }),
      namespace,
    },
    input: { pipeline: o.pipeline.name, trigger: "local", now: new Date().toISOString(), runId },
    executionName: runId,
    progress: new Progress(process.stderr, false),
  });
  if (run.status !== "SUCCEEDED") throw new Error(`stages ${run.status}: ${JSON.stringify(run)}`);
  const files = new Map<string, string>();
  for (const t of o.tables) files.set(t, localPath(await restMetadataLocation(o.endpoint, namespace, t)));
  return { namespace, metadata: (t) => files.get(t)! };
}
