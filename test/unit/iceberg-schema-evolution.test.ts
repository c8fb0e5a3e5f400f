import { describe, expect, it } from "vitest";
import { SchemaEvolutionError } from "../../shared/core/iceberg/errors.ts";
import { fieldIdsByPath, lastColumnId, newIcebergSchema } from "../../shared/core/iceberg/schema.ts";
import { evolveSchema } from "../../shared/core/iceberg/schema-evolution.ts";
import type { TableSchema } from "../../shared/core/schema.ts";

const v1: TableSchema = {
  id: { type: "string" },
  n: { type: "int32" },
  score: { type: "double" },
  amount: { type: "decimal", precision: 10, scale: 2 },
  geo: { type: "struct", fields: { country: { type: "string" } } },
  tags: { type: "list", items: { type: "string" } },
};
const table = newIcebergSchema(v1);
const evolve = (desired: TableSchema) => evolveSchema("t", table, lastColumnId(table), desired);

describe("schema evolution without rewriting files", () => {
  it("assigns ids like the reference implementation: top-level columns first", () => {
    const ids = fieldIdsByPath(table);
    expect(["id", "n", "score", "amount", "geo", "tags"].map((c) => ids.get(c))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(ids.get("geo.country")).toBe(7);
    expect(ids.get("tags.element")).toBe(8);
  });

  it("changes nothing when the pipeline writes what the table holds", () => {
    expect(evolve(v1)).toBeUndefined();
  });

  it("adds a nullable column and a struct field with fresh ids, keeping every old id", () => {
    const out = evolve({
      ...v1,
      geo: {
        type: "struct",
        fields: { country: { type: "string" }, city: { type: "string", nullable: true } },
      },
      referrer: { type: "string", nullable: true },
    })!;
    expect(out.schema["schema-id"]).toBe(1);
    const ids = fieldIdsByPath(out.schema);
    expect(ids.get("geo.country")).toBe(7);
    expect(new Set([ids.get("geo.city"), ids.get("referrer")])).toEqual(new Set([9, 10]));
    expect(out.lastColumnId).toBe(10);
    expect(out.changes).toEqual(expect.arrayContaining(["geo.city: added", "referrer: added"]));
  });

  it("widens int to long and decimal precision, and makes a dropped column optional", () => {
    const { id: _gone, ...rest } = v1;
    const out = evolve({
      ...rest,
      n: { type: "int64" },
      amount: { type: "decimal", precision: 18, scale: 2 },
    })!;
    const byName = Object.fromEntries(out.schema.fields.map((f) => [f.name, f]));
    expect(byName.n!.type).toBe("long");
    expect(byName.amount!.type).toBe("decimal(18,2)");
    expect(byName.id).toMatchObject({ id: 1, required: false });
  });

  it.each([
    ["a new required column", { ...v1, extra: { type: "string" } }, "extra"],
    ["a narrowed type", { ...v1, score: { type: "int32" } }, "score"],
    ["another decimal scale", { ...v1, amount: { type: "decimal", precision: 10, scale: 3 } }, "amount"],
    ["a struct that became a string", { ...v1, geo: { type: "string" } }, "geo"],
    [
      "a list element of another type",
      { ...v1, tags: { type: "list", items: { type: "int64" } } },
      "tags.element",
    ],
  ] as [string, TableSchema, string][])("refuses %s, naming the column", (_what, desired, column) => {
    expect(() => evolve(desired)).toThrow(SchemaEvolutionError);
    try {
      evolve(desired);
    } catch (e) {
      expect((e as SchemaEvolutionError).column).toBe(column);
      expect((e as Error).message).toContain(`column ${column}`);
    }
  });
});
