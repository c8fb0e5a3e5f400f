import { describe, expect, it } from "vitest";
import { compileNormalizer, ValueError } from "../../shared/core/row-normalize.ts";

const norm = (col: Parameters<typeof compileNormalizer>[0], v: unknown) => compileNormalizer(col)(v, "c");

describe("row normalization to storage form", () => {
  it("converts decimals exactly, never rounding", () => {
    const d = { type: "decimal", precision: 6, scale: 2 } as const;
    expect(norm(d, "12.5")).toBe(1250n);
    expect(norm(d, "-0.07")).toBe(-7n);
    expect(norm(d, 3)).toBe(300n);
    expect(norm(d, "1.230")).toBe(123n);
    expect(() => norm(d, "1.234")).toThrow(/more than 2 decimal places/);
    expect(() => norm(d, "10000.00")).toThrow(/does not fit decimal\(6,2\)/);
  });

  it("takes timestamps as Date, epoch millis or ISO instants with a zone, and refuses local times", () => {
    const t = { type: "timestamp" } as const;
    expect(norm(t, "2026-11-23T07:00:00.123Z")).toBe(Date.UTC(2026, 10, 23, 7, 0, 0, 123));
    expect(norm(t, "2026-11-23T08:00:00+01:00")).toBe(Date.UTC(2026, 10, 23, 7));
    expect(norm(t, new Date(5))).toBe(5);
    expect(() => norm(t, "2026-11-23T07:00:00")).toThrow(ValueError);
  });

  it("checks integer ranges and required values, naming the nested field", () => {
    expect(norm({ type: "int64" }, 42)).toBe(42n);
    expect(() => norm({ type: "int32" }, 2 ** 31)).toThrow(/32-bit/);
    const s = { type: "struct", fields: { a: { type: "list", items: { type: "int32" } } } } as const;
    try {
      norm(s, { a: [1, "2"] });
      expect.unreachable();
    } catch (e) {
      expect((e as ValueError).field).toBe("c.a[1]");
    }
    expect(() => norm(s, { a: [], b: 1 })).toThrow(/not a column/);
    expect(norm({ type: "string", nullable: true }, undefined)).toBeNull();
    expect(() => norm({ type: "string" }, undefined)).toThrow(/required/);
  });

  it("turns dates into days since the epoch", () => {
    expect(norm({ type: "date" }, "1970-01-02")).toBe(1);
    expect(() => norm({ type: "date" }, "2026-02-30")).toThrow(ValueError);
  });
});
