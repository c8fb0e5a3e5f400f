import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers/lake.ts";
import { assertKafkaReady } from "../helpers/services.ts";
import { cli, expected, lagOf, lakeRows, lakestream, quarantined, topicSize } from "./kafka-cli-kit.ts";
import { freshTopic, waitFor } from "./kafka-test-kit.ts";

beforeAll(assertKafkaReady);

const commits = async (lake: string) =>
  (await readdir(join(lake, "_lakestream", "commits"), { recursive: true }).catch(() => [])).filter((f) =>
    String(f).endsWith(".json"),
  ).length;

describe("lakestream produce + run against the real broker (the ingest handler behind the event source)", () => {
  it("100,000 records with bad ones: every good record in the lake, every bad one quarantined with its bytes, lag 0", async () => {
    const topic = await freshTopic("run-100k", 3);
    const lake = await tempDir("run-100k");
    const group = `g-${topic}`;
    const n = 100_000;
    await cli(["produce", "--topic", topic, "--count", String(n), "--bad-every", "997"]);
    const started = performance.now();
    const out = await cli([
      "run",
      "--topic",
      topic,
      "--group",
      group,
      "--lake",
      lake,
      "--until-idle",
      "3",
      "--no-progress",
    ]);
    const seconds = (performance.now() - started) / 1000;
    const summary = JSON.parse(out.trim().split("\n").at(-1) ?? "{}");
    console.log(
      `run: ${n} records in ${seconds.toFixed(1)} s including 3 s idle wait (${summary.invocations} invocations)`,
    );

    const want = expected(n, 997);
    const lakeNow = await lakeRows(lake);
    expect(lakeNow.distinctIds).toBe(want.good.size);
    expect(lakeNow.rows).toBe(want.good.size);
    expect(lakeNow.cents).toBe(want.cents);
    expect([...want.good].every((id) => lakeNow.ids.has(id))).toBe(true);
    const bad = await quarantined(lake);
    expect(bad.size).toBe(want.bad.size);
    for (const [i, value] of want.bad)
      expect(Buffer.from(bad.get(i)?.value ?? []).equals(Buffer.from(value))).toBe(true);
    expect(lakeNow.distinctOffsets + bad.size + want.bots).toBe(await topicSize(topic));
    expect(await lagOf(group, topic)).toEqual([0, 0, 0]);
  });

  it("SIGKILL mid-stream, then restart: no record lost, lineage covers every offset", async () => {
    const topic = await freshTopic("run-kill", 3);
    const lake = await tempDir("run-kill");
    const group = `g-${topic}`;
    const n = 40_000;
    await cli(["produce", "--topic", topic, "--count", String(n), "--bad-every", "500"]);
    const first = lakestream([
      "run",
      "--topic",
      topic,
      "--group",
      group,
      "--lake",
      lake,
      "--batch-size",
      "200",
      "--no-progress",
    ]);
    await waitFor("a few committed batches", async () => (await commits(lake)) >= 5, 60_000);
    first.child.kill("SIGKILL");
    const killed = await first.done;
    expect(killed.code).toBeNull();
    const before = await lakeRows(lake);
    const want = expected(n, 500);
    expect(before.distinctIds).toBeLessThan(want.good.size); // it really was mid-stream

    await cli([
      "run",
      "--topic",
      topic,
      "--group",
      group,
      "--lake",
      lake,
      "--batch-size",
      "200",
      "--until-idle",
      "3",
      "--no-progress",
    ]);
    const after = await lakeRows(lake);
    const bad = await quarantined(lake);
    expect(after.distinctIds).toBe(want.good.size);
    expect(after.cents).toBe(want.cents);
    expect(bad.size).toBe(want.bad.size);
    expect(after.distinctOffsets + bad.size + want.bots).toBe(await topicSize(topic));
    console.log(
      `SIGKILL restart: ${after.rows - after.distinctOffsets} raw duplicate rows (${after.rows} rows for ${after.distinctOffsets} offsets)`,
    );
    expect(await lagOf(group, topic)).toEqual([0, 0, 0]);
  });

  it("SIGTERM: finishes the batch in hand, commits and exits 0", async () => {
    const topic = await freshTopic("run-term", 1);
    const lake = await tempDir("run-term");
    const group = `g-${topic}`;
    await cli(["produce", "--topic", topic, "--count", "20000", "--partitions", "1"]);
    const p = lakestream([
      "run",
      "--topic",
      topic,
      "--group",
      group,
      "--lake",
      lake,
      "--batch-size",
      "100",
      "--no-progress",
    ]);
    await waitFor("a committed batch", async () => (await commits(lake)) >= 1, 60_000);
    p.child.kill("SIGTERM");
    const { code, stdout } = await p.done;
    expect(code).toBe(0);
    const summary = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}");
    // Everything the runner reports done is committed: the group resumes exactly after it.
    const [lag] = await lagOf(group, topic);
    expect(lag).toBe(20_000 - summary.records);
  });

  it("bad flags are a usage error with exit code 2", async () => {
    const { code, stderr } = await lakestream(["run", "--batch-size", "20000"]).done;
    expect(code).toBe(2);
    expect(stderr).toContain("batchSize");
    const other = await lakestream(["produce", "--count", "x"]).done;
    expect(other.code).toBe(2);
  });
});
