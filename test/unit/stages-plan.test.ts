import { describe, expect, it } from "vitest";
import { definePipeline } from "../../shared/core/pipeline/define-pipeline.ts";
import { inputDigest } from "../../shared/core/stages/manifest.ts";
import {
  filesByTimePartition,
  type PlanRequest,
  planCandidates,
  planRun,
  type RawFileRef,
} from "../../shared/core/stages/plan.ts";
import { defaultRunId } from "../../shared/core/stages/stage-io.ts";

const M = 60_000;
const H = 60 * M;
const T0 = Date.UTC(2026, 10, 23, 6, 0, 0);

const pipelineInput = {
  name: "orders",
  source: { topics: ["orders"], valueFormat: "json" as const },
  schema: { at: { type: "timestamp" as const }, shop: { type: "string" as const } },
  transform: () => null,
  partitioning: { eventTime: { field: "at" }, granularity: "hour" as const, columns: ["shop"] },
  sink: { table: "orders", format: "parquet" as const },
  aggregations: {
    allowedLatenessMinutes: 30,
    tables: [
      {
        table: "hop",
        window: { sizeMinutes: 60, slideMinutes: 30 },
        groupBy: [],
        measures: { n: { fn: "count" as const } },
      },
    ],
  },
};
const pipeline = definePipeline(pipelineInput);

const ref = (hour: string, shop: string, key: string): RawFileRef => ({
  key: `orders/dt=2026-11-23/hour=${hour}/shop=${shop}/${key}.parquet`,
  partition: `dt=2026-11-23/hour=${hour}/shop=${shop}`,
  rows: 1,
});
const files = [ref("06", "a", "f1"), ref("06", "b", "f2"), ref("07", "a", "f3"), ref("07", "a", "f3")];
const byPartition = filesByTimePartition(files, "hour");
const none = { compacted: new Map<string, string>(), aggregate: new Map<string, string>() };
const at = (now: number, more: Partial<PlanRequest> = {}): PlanRequest => ({
  now,
  allowedLatenessMs: 30 * M,
  force: false,
  ...more,
});

function publishedOf(plan: ReturnType<typeof planRun>) {
  const published = { compacted: new Map<string, string>(), aggregate: new Map<string, string>() };
  for (const [tp, task] of Object.entries(plan.tasks)) {
    for (const [path, d] of Object.entries(task.compact)) published.compacted.set(path, d);
    for (const [t, a] of Object.entries(task.aggregate)) published.aggregate.set(`${t}/${tp}`, a.digest);
  }
  return published;
}

describe("plan", () => {
  it("groups committed files by time partition, once per key", () => {
    expect([...byPartition.keys()]).toEqual(["dt=2026-11-23/hour=06", "dt=2026-11-23/hour=07"]);
    expect(byPartition.get("dt=2026-11-23/hour=07")).toHaveLength(1);
  });

  it("keeps only partitions closed by end + allowed lateness, including the owner of a straddling window", () => {
    expect(planCandidates(pipeline, byPartition, at(T0 + H + 29 * M))).toEqual({ candidates: [], open: 3 });
    expect(planCandidates(pipeline, byPartition, at(T0 + H + 30 * M)).candidates).toEqual([
      "dt=2026-11-23/hour=06",
    ]);
    // hour=08 holds no data but owns the window [07:30, 08:30).
    expect(planCandidates(pipeline, byPartition, at(T0 + 3 * H + 30 * M)).candidates).toEqual([
      "dt=2026-11-23/hour=06",
      "dt=2026-11-23/hour=07",
      "dt=2026-11-23/hour=08",
    ]);
  });

  it("schedules what is stale, with the raw files of every partition its windows read", () => {
    const req = at(T0 + 4 * H);
    const { candidates } = planCandidates(pipeline, byPartition, req);
    const plan = planRun(pipeline, byPartition, candidates, none, req);
    expect(plan.scheduled).toEqual(candidates);
    expect(Object.keys(plan.tasks["dt=2026-11-23/hour=06"]!.compact)).toEqual([
      "dt=2026-11-23/hour=06/shop=a",
      "dt=2026-11-23/hour=06/shop=b",
    ]);
    expect(plan.tasks["dt=2026-11-23/hour=08"]).toEqual({
      compact: {},
      aggregate: { hop: { digest: inputDigest([files[2]!.key]), inputs: ["dt=2026-11-23/hour=07"] } },
    });
    expect(Object.keys(plan.files)).toEqual(["dt=2026-11-23/hour=06", "dt=2026-11-23/hour=07"]);
  });

  it("skips partitions whose manifests match, reschedules when a late commit adds a file, always on force", () => {
    const req = at(T0 + 4 * H);
    const { candidates } = planCandidates(pipeline, byPartition, req);
    const first = planRun(pipeline, byPartition, candidates, none, req);
    const published = { compacted: new Map<string, string>(), aggregate: new Map<string, string>() };
    for (const [tp, task] of Object.entries(first.tasks)) {
      for (const [path, d] of Object.entries(task.compact)) published.compacted.set(path, d);
      for (const [t, a] of Object.entries(task.aggregate)) published.aggregate.set(`${t}/${tp}`, a.digest);
    }
    const again = planRun(pipeline, byPartition, candidates, published, req);
    expect(again.scheduled).toEqual([]);
    expect(again.upToDate).toBe(3);

    const later = filesByTimePartition([...files, ref("06", "b", "f9")], "hour");
    const replan = planRun(pipeline, later, candidates, published, req);
    // hour=06 recompacts shop=b only; hour=07 owns [06:30, 07:30), which reads hour=06.
    expect(replan.scheduled).toEqual(["dt=2026-11-23/hour=06", "dt=2026-11-23/hour=07"]);
    expect(Object.keys(replan.tasks["dt=2026-11-23/hour=06"]!.compact)).toEqual([
      "dt=2026-11-23/hour=06/shop=b",
    ]);
    expect(replan.tasks["dt=2026-11-23/hour=07"]!.compact).toEqual({});

    expect(
      planRun(pipeline, byPartition, candidates, published, { ...req, force: true }).scheduled,
    ).toHaveLength(3);
  });

  it("recomputes a gold partition when a watermark of its input changes (another lateness)", () => {
    const req = at(T0 + 4 * H);
    const { candidates } = planCandidates(pipeline, byPartition, req);
    const first = planRun(pipeline, byPartition, candidates, none, req);
    const marked = filesByTimePartition(
      files.map((f) => ({ ...f, watermark: T0 })),
      "hour",
    );
    const again = planRun(pipeline, marked, candidates, none, req);
    const digests = (p: typeof first) => Object.values(p.tasks).map((t) => t.aggregate.hop?.digest);
    expect(digests(again)).not.toEqual(digests(first));
    expect(Object.values(again.tasks).map((t) => t.compact)).toEqual(
      Object.values(first.tasks).map((t) => t.compact),
    );
  });

  it("with dedupe by key, reads and digests the partitions within withinMinutes of each task", () => {
    const deduping = definePipeline({ ...pipelineInput, dedupe: { key: ["shop"], withinMinutes: 10 } });
    const spread = filesByTimePartition([...files, ref("09", "a", "f8"), ref("05", "c", "f7")], "hour");
    const req = at(T0 + 6 * H);
    const { candidates } = planCandidates(deduping, spread, req);
    const plan = planRun(deduping, spread, candidates, none, req);
    const h = (hour: string) => `dt=2026-11-23/hour=${hour}`;
    // hour=06 owns [05:30, 06:30) and [06:00, 07:00); dedupe adds what lies within 10 minutes (07).
    expect(plan.tasks[h("06")]!.aggregate.hop!.inputs).toEqual([h("05"), h("06"), h("07")]);
    const plain = planRun(pipeline, spread, candidates, none, req);
    expect(plain.tasks[h("06")]!.aggregate.hop!.inputs).toEqual([h("05"), h("06")]);
    expect(Object.keys(plan.files).sort()).toEqual([h("05"), h("06"), h("07"), h("09")]);

    // A replay landing next door reschedules the neighbour's compaction, which it does not without dedupe.
    const more = filesByTimePartition([...spread.values()].flat().concat(ref("07", "b", "f6")), "hour");
    const replan = planRun(deduping, more, candidates, publishedOf(plan), req);
    expect(Object.keys(replan.tasks[h("06")]!.compact)).toEqual([h("06/shop=a"), h("06/shop=b")]);
    const plainAgain = planRun(pipeline, more, candidates, publishedOf(plain), req);
    expect(plainAgain.tasks[h("06")]?.compact ?? {}).toEqual({});
  });

  it("limits a backfill to partitions starting in its range", () => {
    const req = at(T0 + 10 * H, { range: { start: T0 + H, end: T0 + 2 * H }, force: true });
    expect(planCandidates(pipeline, byPartition, req).candidates).toEqual(["dt=2026-11-23/hour=07"]);
  });

  it("derives readable, key-safe run ids from the logical time", () => {
    expect(defaultRunId("schedule", T0 + 15 * M)).toBe("schedule-20261123T0615Z");
    expect(defaultRunId("backfill", T0, { start: T0 - H, end: T0 })).toBe(
      "backfill-20261123T0600Z-20261123T0500Z-20261123T0600Z",
    );
  });
});
