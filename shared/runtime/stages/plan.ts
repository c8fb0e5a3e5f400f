import pLimit from "p-limit";
import { ownerTag } from "../../core/iceberg/lakestream-tables.ts";
import { commitPrefix } from "../../core/keys.ts";
import { StageInputError } from "../../core/stages/errors.ts";
import { type Manifest, manifestKey } from "../../core/stages/manifest.ts";
import {
  filesByTimePartition,
  type PlanDocument,
  type PlanRequest,
  planCandidates,
  planRun,
  type RawFileRef,
} from "../../core/stages/plan.ts";
import {
  defaultRunId,
  type PlanOutput,
  parseStageInput,
  planInputSchema,
  runDocumentKey,
} from "../../core/stages/stage-io.ts";
import { watermarkedFiles } from "../../core/stages/watermarks.ts";
import { MINUTE_MS } from "../../core/stages/windows.ts";
import type { IngestSummary } from "../ingest.ts";
import { prepareTables } from "./iceberg-tables.ts";
import { readJson, type StageDeps, startTiming, writeJson } from "./stage-deps.ts";

/**
 * The plan stage: lists the committed raw files (from the ingest's commit records, or a
 * dataset prefix for a backfill), keeps the closed partitions whose published versions are
 * stale, and writes the run's plan to the lake. The run's time comes in the input.
 */
export function createPlanStage(deps: StageDeps): (input: unknown) => Promise<PlanOutput> {
  const { pipeline, store } = deps;
  const g = pipeline.partitioning.granularity;
  const limit = pLimit(deps.concurrency ?? 8);

  return async (raw) => {
    const done = startTiming();
    const input = parseStageInput("plan", planInputSchema, raw);
    if (input.pipeline !== pipeline.name) {
      throw new StageInputError("plan", "input.pipeline", `this function runs pipeline ${pipeline.name}`);
    }
    const nowText = input.now ?? input.scheduledTime;
    if (nowText === undefined) throw new StageInputError("plan", "input.now", "give now or scheduledTime");
    const now = Date.parse(nowText);
    if (
      (input.from === undefined) !== (input.to === undefined) ||
      (input.trigger === "backfill" && !input.from)
    ) {
      throw new StageInputError("plan", "input.from", "a backfill needs both from and to");
    }
    const range =
      input.from && input.to ? { start: Date.parse(input.from), end: Date.parse(input.to) } : undefined;
    const request: PlanRequest = {
      now,
      allowedLatenessMs:
        (input.allowedLatenessMinutes ?? pipeline.aggregations?.allowedLatenessMinutes ?? 0) * MINUTE_MS,
      force: input.force ?? input.trigger === "backfill",
      ...(range ? { range } : {}),
    };
    const runId = input.runId ?? defaultRunId(input.trigger, now, range);

    const { refs, commits } = input.source
      ? { refs: await datasetFiles(deps, input.source.prefix), commits: 0 }
      : await committedFiles(deps, limit, request.allowedLatenessMs);
    const byPartition = filesByTimePartition(refs, g);
    const { candidates, open } = planCandidates(pipeline, byPartition, request);
    const published = { compacted: new Map<string, string>(), aggregate: new Map<string, string>() };
    const owners: { table: string; owner: string; into: Map<string, string>; id: string }[] = [];
    for (const tp of candidates) {
      for (const path of new Set((byPartition.get(tp) ?? []).map((f) => f.partition))) {
        owners.push({ table: pipeline.sink.table, owner: path, into: published.compacted, id: path });
      }
      for (const agg of pipeline.aggregations?.tables ?? []) {
        owners.push({ table: agg.table, owner: tp, into: published.aggregate, id: `${agg.table}/${tp}` });
      }
    }
    let iceberg: PlanDocument["iceberg"];
    if (pipeline.sink.tableFormat === "iceberg") {
      // The tables' live files say what is published: exactly what readers see.
      const prepared = await prepareTables(deps);
      iceberg = prepared.refs;
      for (const o of owners) {
        const version = prepared.published.get(o.table)?.get(ownerTag(o.table, o.owner));
        if (version?.digests.size === 1) o.into.set(o.id, [...version.digests][0]!);
      }
    } else {
      await Promise.all(
        owners.map((o) =>
          limit(async () => {
            const m = await readJson<Manifest>(store, manifestKey(o.table, o.owner));
            if (m) o.into.set(o.id, m.inputDigest);
          }),
        ),
      );
    }
    const body = planRun(pipeline, byPartition, candidates, published, request);
    const stats = {
      commits,
      rawFiles: [...byPartition.values()].reduce((n, l) => n + l.length, 0),
      dataPartitions: byPartition.size,
      candidates: candidates.length,
      open,
      upToDate: body.upToDate,
      scheduled: body.scheduled.length,
    };
    const planKey = runDocumentKey(pipeline.name, runId, "plan.json");
    const doc: PlanDocument = {
      format: "lakestream-plan/1",
      pipeline: pipeline.name,
      runId,
      trigger: input.trigger,
      now: new Date(now).toISOString(),
      allowedLatenessMinutes: request.allowedLatenessMs / MINUTE_MS,
      force: request.force,
      source: input.source ? { prefix: input.source.prefix } : "commits",
      scheduled: body.scheduled,
      tasks: body.tasks,
      files: body.files,
      stats,
      ...(iceberg
        ? { iceberg, base: Object.fromEntries([...published.compacted, ...published.aggregate]) }
        : {}),
    };
    await writeJson(store, planKey, doc);
    return {
      pipeline: pipeline.name,
      runId,
      trigger: input.trigger,
      now: doc.now,
      planKey,
      partitions: body.scheduled,
      stats,
      timing: done(),
    };
  };
}

/**
 * Files named by commit records: only what an ingest finished writing, never an orphan of a
 * crash. Each carries its batch's event-time watermark, which the commit records determine.
 */
async function committedFiles(
  deps: StageDeps,
  limit: ReturnType<typeof pLimit>,
  allowedLatenessMs: number,
): Promise<{ refs: RawFileRef[]; commits: number }> {
  const keys = await deps.store.list(commitPrefix(deps.pipeline.sink.table));
  const summaries = await Promise.all(
    keys.map(({ key }) => limit(() => readJson<IngestSummary>(deps.store, key))),
  );
  const refs = watermarkedFiles(
    summaries.filter((s) => s !== undefined),
    allowedLatenessMs,
  );
  return { refs, commits: keys.length };
}

/**
 * Every data file under `<prefix>/dt=…`: a backfill source written by lakestream or another tool.
 * Spark writes `hour=6` where Hive and lakestream write `hour=06`: both name the same partition.
 */
async function datasetFiles(deps: StageDeps, prefix: string): Promise<RawFileRef[]> {
  const root = `${prefix}/`;
  return (await deps.store.list(root))
    .filter(({ key }) => /\.(parquet|jsonl\.gz)$/.test(key) && key.slice(root.length).startsWith("dt="))
    .filter(
      ({ key }) =>
        !key
          .slice(root.length)
          .split("/")
          .some((s) => s.startsWith("_") || s.startsWith(".")),
    )
    .map(({ key }) => ({
      key,
      partition: key
        .slice(root.length, key.lastIndexOf("/"))
        .replace(/^(dt=[^/]*\/hour=)(\d)(?=\/|$)/, (_, head: string, h: string) => `${head}0${h}`),
      rows: 0,
    }));
}
