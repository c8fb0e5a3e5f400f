import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildApp } from "../../infra/build-app.ts";
import {
  checkSchemaLock,
  schemaLockPath,
  serializeSchemaLock,
} from "../../shared/core/iceberg/schema-lock.ts";
import { definePipeline } from "../../shared/core/pipeline/define-pipeline.ts";
import type { Pipeline } from "../../shared/core/pipeline/types.ts";
import { orders } from "./fixtures/pipelines.ts";
import { FIXTURE_FUNCTIONS } from "./helpers/synth.ts";

const root = mkdtempSync(join(tmpdir(), "lakestream-schema-lock-"));
mkdirSync(join(root, "schemas"));
writeFileSync(
  join(root, schemaLockPath("orders")),
  serializeSchemaLock(checkSchemaLock(orders, undefined).next),
);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const changed = (schema: Pipeline["schema"]) =>
  definePipeline({ ...orders, schema } as unknown as Parameters<typeof definePipeline>[0]);
const build = (pipeline: Pipeline) =>
  buildApp({
    pipelines: { orders: pipeline },
    outdir: mkdtempSync(join(tmpdir(), "lakestream-schema-lock-out-")),
    functionsDir: FIXTURE_FUNCTIONS,
    context: { "aws:cdk:bundling-stacks": [] },
    schemaLockRoot: root,
  });

describe("cdk synth checks a pipeline's schema change against schemas/<pipeline>.json", () => {
  it("fails with the column named when the change needs rewriting data (quantity int → double)", () => {
    const narrowed = changed({ ...orders.schema, quantity: { type: "double" } });
    expect(() => build(narrowed)).toThrow(
      expect.objectContaining({ name: "ConfigError", field: "pipeline(orders).schema.quantity" }),
    );
  });

  it("synthesizes a compatible change (a new nullable column) and warns that the lock lags", () => {
    const built = build(changed({ ...orders.schema, coupon: { type: "string", nullable: true } }));
    const messages = built.app
      .synth()
      .getStackByName(built.pipelines.orders!.stackName)
      .messages.map((m) => String(m.entry.data));
    expect(
      messages.some((m) => m.includes("orders_raw: coupon: added") && m.includes("lakestream schema-lock")),
    ).toBe(true);
  });
});
