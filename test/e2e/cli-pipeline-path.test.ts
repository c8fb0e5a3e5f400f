import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers/lake.ts";
import { hasStack, lakestream } from "./helpers/cli.ts";

/** Regression test of issue 11, item 16: a user's own pipeline module, without editing shared/pipelines. */

const DEFINE = pathToFileURL(join(import.meta.dirname, "../../shared/core/pipeline/define-pipeline.ts")).href;

/** A pipeline module as a user writes it: sample clickstream JSON in, two columns out. */
function moduleText(names: string[]): string {
  const defs = names.map(
    (name) => `
export const ${name} = definePipeline({
  name: "${name}",
  source: { topics: ["orders"], valueFormat: "json" },
  schema: { id: { type: "string" }, at: { type: "timestamp" } },
  transform: ({ value }) => ({ id: value.event_id, at: value.ts }),
  partitioning: { eventTime: { field: "at" }, granularity: "hour" },
  sink: { table: "${name}_raw", format: "parquet" },
});`,
  );
  return `import { definePipeline } from ${JSON.stringify(DEFINE)};\n${defs.join("\n")}\n`;
}

let dir: string;
beforeAll(async () => {
  dir = await tempDir("user-pipeline");
  await writeFile(join(dir, "orders.ts"), moduleText(["orders"]));
  await writeFile(join(dir, "two.ts"), moduleText(["first", "second"]));
  const made = await lakestream(
    ["events", "--count", "50", "--bad", "2", "--topic", "orders", "--out", "ev.json"],
    dir,
  );
  expect(made.code).toBe(0);
});

describe("--pipeline <path to a module> (issue 11, item 16)", () => {
  it("runs the real ingest handler with the module's pipeline", async () => {
    const result = await lakestream(
      ["invoke", "ingest", "--event", "ev.json", "--pipeline", "./orders.ts", "--lake", "lake"],
      dir,
    );
    expect(result.stderr).toBe("");
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ recordsIn: 50, filtered: 0 });
    expect(summary.rowsWritten + summary.quarantined).toBe(50);
    expect(summary.rowsWritten).toBeGreaterThanOrEqual(48);
    expect(await readdir(join(dir, "lake"))).toContain("orders_raw");
  });

  it("picks one of several pipelines with PATH#NAME, and asks for it when the module has several", async () => {
    const picked = await lakestream(
      ["invoke", "ingest", "--event", "ev.json", "--pipeline", "two.ts#second", "--lake", "lake2"],
      dir,
    );
    expect(picked.code).toBe(0);
    expect(await readdir(join(dir, "lake2"))).toContain("second_raw");
    const ambiguous = await lakestream(
      ["invoke", "ingest", "--event", "ev.json", "--pipeline", "./two.ts", "--lake", "lake3"],
      dir,
    );
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(/defines 2 pipelines \(first, second\): pick one with \.\/two\.ts#NAME/);
  });

  it("names a missing module or pipeline as a usage error, in one line", async () => {
    for (const ref of ["./nope.ts", "orders.ts#nope", "nope"]) {
      const result = await lakestream(["invoke", "ingest", "--event", "ev.json", "--pipeline", ref], dir);
      expect(result.code, ref).toBe(2);
      expect(result.stderr, ref).toMatch(/^lakestream: --pipeline: /);
      expect(hasStack(result.stderr)).toBe(false);
    }
  });

  it("runs the main job (npm start) end to end on the module's pipeline", async () => {
    const result = await lakestream(
      [
        "start",
        "--pipeline",
        "./orders.ts",
        "--lake",
        "main",
        "--records",
        "300",
        "--hours",
        "1",
        "--no-report",
        "--no-progress",
      ],
      dir,
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      pipeline: "orders",
      status: "SUCCEEDED",
      records: 300,
    });
    expect(await readdir(join(dir, "main", "warehouse", "lakestream"))).toContain("orders_raw");
  });
});
