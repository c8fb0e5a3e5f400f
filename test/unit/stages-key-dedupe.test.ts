import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../shared/core/errors.ts";
import { definePipeline } from "../../shared/core/pipeline/define-pipeline.ts";
import type { LineageRow } from "../../shared/core/stages/dedupe.ts";
import { compileKeyDedupe, dedupeContext } from "../../shared/core/stages/key-dedupe.ts";

const M = 60_000;
const T0 = Date.UTC(2026, 10, 23, 6, 0, 0);

const base = {
  name: "clicks",
  source: { topics: ["clicks"], valueFormat: "json" as const },
  schema: {
    id: { type: "string" as const, nullable: true },
    at: { type: "timestamp" as const },
    n: { type: "int64" as const },
    score: { type: "double" as const },
    tags: { type: "list" as const, items: { type: "string" as const } },
    geo: { type: "struct" as const, fields: { country: { type: "string" as const } } },
  },
  transform: () => null,
  partitioning: { eventTime: { field: "at" }, granularity: "hour" as const },
  sink: { table: "clicks", format: "parquet" as const },
};
const pipeline = definePipeline({ ...base, dedupe: { key: ["id"], withinMinutes: 10 } });
const dedupe = compileKeyDedupe(pipeline)!;

/** A row of event `id` at event minute `minute`, delivered at (partition, offset). */
const row = (id: string | null, minute: number, partition: number, offset: number, n = 0): LineageRow => ({
  id,
  at: T0 + minute * M,
  n: BigInt(n),
  geo: { country: "DE" },
  _topic: "clicks",
  _partition: partition,
  _offset: BigInt(offset),
  _ts: T0 + 7 * 24 * 60 * M,
});

const kept = (rows: LineageRow[]) => {
  const dropped = dedupe.duplicates(rows);
  return rows.filter((r) => !dropped.has(r));
};

describe("dedupe by business key", () => {
  it("keeps the first delivery in source order and drops replays within withinMinutes", () => {
    const original = row("e1", 0, 1, 5);
    const replay = row("e1", 0, 1, 900); // the same event, produced again
    const otherPartition = row("e1", 4, 0, 77); // earlier in source order: partition 0 < 1
    const later = row("e1", 30, 1, 901); // same key, 30 minutes away: another event
    const boundary = row("e2", 0, 0, 1);
    const atWithin = row("e2", 10, 0, 2); // exactly withinMinutes away: a duplicate
    const aheadFirst = row("e3", 10, 0, 3);
    const behindLater = row("e3", 0, 0, 4); // earlier event time, later delivery: a duplicate
    const farAhead = row("e4", 11, 0, 5);
    const farBehind = row("e4", 0, 0, 6); // 11 minutes apart: two events
    const rows = [replay, later, original, otherPartition, boundary, atWithin];
    expect(kept([...rows, aheadFirst, behindLater, farAhead, farBehind])).toEqual([
      later,
      otherPartition,
      boundary,
      aheadFirst,
      farAhead,
      farBehind,
    ]);
  });

  it("treats null keys as equal, as GROUP BY does, and tells rows of one record apart by content", () => {
    const a = row(null, 0, 0, 1);
    const b = row(null, 1, 0, 2);
    const flat1 = row("e9", 0, 0, 3, 2);
    const flat2 = row("e9", 0, 0, 3, 1);
    expect(kept([b, a, flat1, flat2])).toEqual([a, flat2]);
  });

  it("holds one row per key, the lowest in source order, whatever the input order (property)", () => {
    const event = fc.record({ id: fc.integer({ min: 0, max: 30 }), minute: fc.integer({ min: 0, max: 9 }) });
    const deliveries = fc.array(fc.tuple(event, fc.integer({ min: 0, max: 2 })), {
      minLength: 1,
      maxLength: 80,
    });
    fc.assert(
      fc.property(deliveries, fc.nat(), (list, seed) => {
        const next = [0, 0, 0];
        // Every delivery of an id carries the same event time: a replay, not a new event.
        const minuteOf = new Map<number, number>();
        const rows = list.map(([e, p]) => {
          const minute = minuteOf.get(e.id) ?? e.minute;
          minuteOf.set(e.id, minute);
          return row(`e${e.id}`, minute, p, next[p]!++);
        });
        const out = kept(rows);
        const ids = out.map((r) => r.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(new Set(ids)).toEqual(new Set(rows.map((r) => r.id)));
        for (const r of out) {
          const first = rows
            .filter((x) => x.id === r.id)
            .sort((x, y) => x._partition - y._partition || Number(x._offset - y._offset))[0];
          expect(r).toBe(first);
        }
        const shuffled = [...rows].sort((x, y) => mix(x, seed) - mix(y, seed));
        expect(new Set(kept(shuffled))).toEqual(new Set(out));
        // Idempotent: what is kept has no duplicate left.
        expect(dedupe.duplicates(out).size).toBe(0);
      }),
    );
  });

  it("decides a row from the rows within withinMinutes only, so a partition's context is enough (property)", () => {
    const deliveries = fc.array(
      fc.tuple(
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 180 }),
        fc.integer({ min: 0, max: 1 }),
      ),
      { minLength: 1, maxLength: 60 },
    );
    fc.assert(
      fc.property(deliveries, (list) => {
        const next = [0, 0];
        const rows = list.map(([id, minute, p]) => row(`e${id}`, minute, p, next[p]!++));
        const all = dedupe.duplicates(rows);
        const hour = "dt=2026-11-23/hour=07";
        const context = new Set(dedupeContext(hour, "hour", dedupe.withinMs));
        const inContext = rows.filter((r) => context.has(hourOf(r.at as number)));
        const local = dedupe.duplicates(inContext);
        for (const r of rows.filter((x) => hourOf(x.at as number) === hour)) {
          expect(local.has(r)).toBe(all.has(r));
        }
      }),
    );
  });

  it("reads the partitions within withinMinutes of a partition, the partition included", () => {
    expect(dedupeContext("dt=2026-11-23/hour=07", "hour", 10 * M)).toEqual([
      "dt=2026-11-23/hour=06",
      "dt=2026-11-23/hour=07",
      "dt=2026-11-23/hour=08",
    ]);
    expect(dedupeContext("dt=2026-11-23", "day", 60 * M)).toEqual([
      "dt=2026-11-22",
      "dt=2026-11-23",
      "dt=2026-11-24",
    ]);
  });
});

describe("dedupe in definePipeline", () => {
  const fieldOf = (dedupe: unknown) => {
    try {
      definePipeline({ ...base, dedupe } as Parameters<typeof definePipeline>[0]);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as ConfigError).field;
    }
    throw new Error("expected a ConfigError");
  };

  it("accepts columns and struct field paths of groupable types", () => {
    const p = definePipeline({
      ...base,
      dedupe: { key: ["id", "geo.country", "n", "at"], withinMinutes: 1440 },
    });
    expect(p.dedupe).toEqual({ key: ["id", "geo.country", "n", "at"], withinMinutes: 1440 });
  });

  it.each([
    [{ key: ["nope"], withinMinutes: 10 }, "pipeline(clicks).dedupe.key.0"],
    [{ key: ["id", "geo.city"], withinMinutes: 10 }, "pipeline(clicks).dedupe.key.1"],
    [{ key: ["tags"], withinMinutes: 10 }, "pipeline(clicks).dedupe.key.0"],
    [{ key: ["geo"], withinMinutes: 10 }, "pipeline(clicks).dedupe.key.0"],
    [{ key: ["score"], withinMinutes: 10 }, "pipeline(clicks).dedupe.key.0"],
    [{ key: [], withinMinutes: 10 }, "pipeline(clicks).dedupe.key"],
    [{ key: ["id", "id"], withinMinutes: 10 }, "pipeline(clicks).dedupe.key"],
    [{ key: ["id"], withinMinutes: 0 }, "pipeline(clicks).dedupe.withinMinutes"],
    [{ key: ["id"], withinMinutes: 1441 }, "pipeline(clicks).dedupe.withinMinutes"],
    [{ key: ["id"] }, "pipeline(clicks).dedupe.withinMinutes"],
    [{ key: ["id"], withinMinutes: 5, by: "x" }, "pipeline(clicks).dedupe"],
  ])("names the wrong field (%#)", (dedupe, field) => {
    expect(fieldOf(dedupe)).toBe(field);
  });
});

function hourOf(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `dt=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}`;
}

function mix(r: LineageRow, seed: number): number {
  return Math.imul(Number(r._offset) * 31 + r._partition + seed, 2654435761) | 0;
}
