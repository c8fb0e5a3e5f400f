import { describe, expect, it } from "vitest";
import { SchemaEvolutionError } from "../../shared/core/iceberg/errors.ts";
import {
  checkSchemaLock,
  parseSchemaLock,
  serializeSchemaLock,
} from "../../shared/core/iceberg/schema-lock.ts";
import { definePipeline } from "../../shared/core/pipeline/define-pipeline.ts";
import type { Pipeline } from "../../shared/core/pipeline/types.ts";
import { clickstream } from "../../shared/pipelines/clickstream.ts";

const withSchema = (schema: Pipeline["schema"]): Pipeline =>
  definePipeline({ ...clickstream, schema } as unknown as Parameters<typeof definePipeline>[0]);

describe("schema lock (what cdk synth checks a pipeline change against)", () => {
  const v1 = checkSchemaLock(clickstream, undefined);
  const lock = parseSchemaLock("lock", serializeSchemaLock(v1.next));

  it("records every Iceberg table of a pipeline, new ones as added", () => {
    expect(v1.added).toEqual([
      "clickstream_events",
      "clickstream_by_type_15m",
      "clickstream_active_users_1h",
    ]);
    expect(checkSchemaLock(clickstream, lock)).toMatchObject({ added: [], changes: {} });
  });

  it("takes a new nullable column, keeping every recorded field id", () => {
    const v2 = checkSchemaLock(
      withSchema({ ...clickstream.schema, referrer: { type: "string", nullable: true } }),
      lock,
    );
    expect(v2.changes).toEqual({ clickstream_events: ["referrer: added"] });
    const ids = (l: typeof lock) =>
      Object.fromEntries(l.tables.clickstream_events!.fields.map((f) => [f.name, f.id]));
    expect(ids(v2.next)).toMatchObject(ids(lock));
  });

  it("refuses a narrowed type with the table and column named", () => {
    const narrowed = withSchema({
      ...clickstream.schema,
      user_id: { type: "int32" },
      amount: { type: "double", nullable: true },
    });
    expect(() => checkSchemaLock(narrowed, lock)).toThrow(SchemaEvolutionError);
    expect(() => checkSchemaLock(narrowed, lock)).toThrow(/table clickstream_events, column amount/);
  });
});
