import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  inputPartitionsOfOwner,
  ownersOfDataPartition,
  partitionBounds,
  timePartitionOf,
  windowSpec,
  windowsContaining,
  windowsEndingIn,
} from "../../shared/core/stages/windows.ts";

const H = 3_600_000;
const M = 60_000;
const T0 = Date.UTC(2026, 10, 23, 6, 0, 0);

describe("windows", () => {
  it("puts an instant in one tumbling window and in size/slide hopping windows", () => {
    expect(windowsContaining(T0 + 7 * M, windowSpec({ sizeMinutes: 15 }))).toEqual([
      { start: T0, end: T0 + 15 * M },
    ]);
    expect(windowsContaining(T0 + 40 * M, windowSpec({ sizeMinutes: 60, slideMinutes: 30 }))).toEqual([
      { start: T0, end: T0 + H },
      { start: T0 + 30 * M, end: T0 + 90 * M },
    ]);
  });

  it("treats window ends as exclusive", () => {
    expect(windowsContaining(T0 + 15 * M, windowSpec({ sizeMinutes: 15 }))[0]!.start).toBe(T0 + 15 * M);
  });

  it("gives an hourly partition the windows that end inside it, ends included", () => {
    const owned = windowsEndingIn(T0, T0 + H, windowSpec({ sizeMinutes: 60, slideMinutes: 30 }));
    expect(owned).toEqual([
      { start: T0 - 30 * M, end: T0 + 30 * M },
      { start: T0, end: T0 + H },
    ]);
  });

  it("names partitions and their bounds both ways", () => {
    expect(timePartitionOf(T0 + 59 * M, "hour")).toBe("dt=2026-11-23/hour=06");
    expect(timePartitionOf(T0, "day")).toBe("dt=2026-11-23");
    expect(partitionBounds("dt=2026-11-23/hour=06", "hour")).toEqual({ start: T0, end: T0 + H });
    expect(() => partitionBounds("dt=2026-11-23", "hour")).toThrow(RangeError);
  });

  it("reads the neighbour partitions a straddling window needs, and finds its owners", () => {
    const spec = windowSpec({ sizeMinutes: 60, slideMinutes: 30 });
    expect(inputPartitionsOfOwner("dt=2026-11-23/hour=06", "hour", spec)).toEqual([
      "dt=2026-11-23/hour=05",
      "dt=2026-11-23/hour=06",
    ]);
    expect(ownersOfDataPartition("dt=2026-11-23/hour=06", "hour", spec)).toEqual([
      "dt=2026-11-23/hour=06",
      "dt=2026-11-23/hour=07",
    ]);
  });

  it("gives every window holding an instant exactly one owner partition, which reads the instant's partition", () => {
    const sizes = fc.constantFrom(5, 15, 30, 60, 90, 120, 1440);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 400 * 24 * 60 }),
        sizes,
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom("hour" as const, "day" as const),
        (minute, size, divisor, granularity) => {
          const spec = windowSpec({
            sizeMinutes: size,
            slideMinutes: Math.max(1, Math.floor(size / divisor)),
          });
          const t = T0 + minute * M + 17;
          const home = timePartitionOf(t, granularity);
          for (const w of windowsContaining(t, spec)) {
            const owner = timePartitionOf(w.end - 1, granularity);
            const { start, end } = partitionBounds(owner, granularity);
            const owned = windowsEndingIn(start, end, spec);
            expect(owned.filter((o) => o.start === w.start)).toHaveLength(1);
            expect(inputPartitionsOfOwner(owner, granularity, spec)).toContain(home);
            expect(ownersOfDataPartition(home, granularity, spec)).toContain(owner);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
