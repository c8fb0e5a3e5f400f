import type { Pipeline } from "../../core/pipeline/types.ts";
import type { RunRecord } from "../../runtime/stages/run-record.ts";
import type { ObjectStore } from "../../storage/object-store.ts";
import type { IngestTotals } from "../main-job/feed.ts";
import { collectReportData } from "./collect.ts";
import { renderReport } from "./render.ts";

export interface ReportInput {
  readonly pipeline: Pipeline;
  readonly store: ObjectStore;
  readonly runRecord: RunRecord;
  readonly ingest: IngestTotals;
}

/** Where the latest report of a pipeline lives in the lake (one per run next to it). */
export function reportKey(pipeline: string, name = "latest"): string {
  return `_lakestream/reports/${pipeline}/${name}.html`;
}

/** Writes the run's HTML report into the lake and returns the key of the latest one. */
export async function writeReport(input: ReportInput): Promise<string> {
  const data = await collectReportData(input.pipeline, input.store, input.runRecord, input.ingest);
  const body = new TextEncoder().encode(renderReport(data));
  const options = { contentType: "text/html; charset=utf-8" };
  await input.store.put(reportKey(input.pipeline.name, input.runRecord.runId), body, options);
  const latest = reportKey(input.pipeline.name);
  await input.store.put(latest, body, options);
  return latest;
}
