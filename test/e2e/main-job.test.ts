import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batchesOf, sampleStream } from "../../shared/local/main-job/sample-stream.ts";
import { DEFAULT_START_MS } from "../../shared/local/sample-records.ts";
import { tempDir } from "../helpers/lake.ts";
import { openInBrowser } from "./helpers/browser.ts";
import { compareCompacted, compareGold, compareLate, writeInput } from "./helpers/reference.ts";

const MAIN = fileURLToPath(new URL("../../shared/local/cli/main.ts", import.meta.url));
// Small, and with every kind of record frequent enough to matter.
const STREAM = { records: 3000, hours: 4, badEvery: 29, lateEvery: 13, tooLateEvery: 17 };

let dir: string;
let lake: string;
let input: string;
let summary: Record<string, unknown>;
let stderr: string;

beforeAll(async () => {
  dir = await tempDir("main-job");
  lake = join(dir, "lake");
  const args = [MAIN, "start", "--lake", lake, "--records", "3000", "--hours", "4", "--batch-size", "200"];
  args.push("--bad-every", "29", "--late-every", "13", "--too-late-every", "17");
  const out = await promisify(execFile)(process.execPath, args, {
    cwd: dir,
    env: { ...process.env, CI: "1" },
  });
  summary = JSON.parse(out.stdout.trim().split("\n").at(-1)!);
  stderr = out.stderr;
  const stream = sampleStream({ ...STREAM, startMs: DEFAULT_START_MS, topic: "clickstream" });
  input = await writeInput(dir, stream, batchesOf(stream, 200));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("npm start (the main job)", () => {
  it("runs the example pipeline end to end and prints a one-line summary", () => {
    expect(summary).toMatchObject({ pipeline: "clickstream", status: "SUCCEEDED", records: 3000 });
    expect(summary.quarantined).toBe(Math.floor(3000 / 29));
    expect(summary.partitions).toBeGreaterThanOrEqual(4);
    expect(summary.compactedFiles).toBeLessThan(summary.rawFiles as number);
    // Progress went to stderr, one line per step when stderr is not a terminal.
    expect(stderr).toMatch(/✔ ingest .*3,000 records/);
    expect(stderr).toMatch(/✔ stages .*partitions compacted and aggregated/);
  });

  it("publishes gold aggregates equal to DuckDB's over the input minus bad, bot and too-late records", async () => {
    const gold = await compareGold(lake, input);
    expect(gold.byType.expected).toBeGreaterThan(50);
    expect(gold.byType).toMatchObject({ missing: 0, extra: 0, actual: gold.byType.expected });
    expect(gold.activeUsers.expected).toBeGreaterThan(5);
    expect(gold.activeUsers).toMatchObject({ missing: 0, extra: 0, actual: gold.activeUsers.expected });
  });

  it("holds each source offset once in the compacted table, and quarantines the too-late records", async () => {
    const compacted = await compareCompacted(lake, input);
    expect(compacted.duplicates).toBe(0);
    expect(compacted.offsets).toMatchObject({ missing: 0, extra: 0 });
    const late = await compareLate(lake, input);
    expect(late.expected).toBeGreaterThan(10);
    expect(late).toMatchObject({ missing: 0, extra: 0 });
  });

  it("writes an HTML report that opens in a headless browser without errors", async () => {
    const report = summary.report as string;
    expect(existsSync(report)).toBe(true);
    const html = await readFile(report, "utf8");
    expect(html).not.toMatch(/<script|https?:\/\//);
    const shot = join(dir, "report.png");
    const page = await openInBrowser(report, shot);
    expect(page.errors).toEqual([]);
    expect(page.title).toContain("clickstream");
    expect(page.svgs).toBeGreaterThanOrEqual(5);
    expect((await readFile(shot)).byteLength).toBeGreaterThan(20_000);
    // Set LAKESTREAM_KEEP_SCREENSHOT=<path> to look at the page after the run.
    const keep = process.env.LAKESTREAM_KEEP_SCREENSHOT;
    if (keep) await copyFile(shot, keep);
  });

  it("refuses at start, naming the column, a pipeline change the published tables cannot take", async () => {
    // Version 2 narrows amount from decimal to double: Iceberg cannot, without rewriting files.
    const module = join(dir, "narrowed.ts");
    const shared = new URL("../../shared/", import.meta.url).href;
    await writeFile(
      module,
      `import { definePipeline } from "${shared}core/pipeline/define-pipeline.ts";
import { clickstream } from "${shared}pipelines/clickstream.ts";
export const narrowed = definePipeline({ ...clickstream, schema: { ...clickstream.schema, amount: { type: "double", nullable: true } } });
`,
    );
    const commits = async () =>
      (await readdir(join(lake, "_lakestream", "commits"), { recursive: true })).length;
    const before = await commits();
    const out = await promisify(execFile)(
      process.execPath,
      [MAIN, "start", "--lake", lake, "--pipeline", module],
      {
        cwd: dir,
        env: { ...process.env, CI: "1" },
      },
    ).catch((e: { code: number; stderr: string }) => e);
    expect(out).toMatchObject({ code: 1 });
    expect((out as { stderr: string }).stderr).toMatch(
      /SchemaEvolutionError: table clickstream_events, column amount/,
    );
    expect(await commits()).toBe(before);
  });
});
