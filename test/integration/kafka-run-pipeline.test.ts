import { beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers/lake.ts";
import { assertKafkaReady } from "../helpers/services.ts";
import {
  cli,
  commitCount,
  committedOffsets,
  committedRanges,
  expectEverythingLanded,
  expected,
  lagOf,
  lakeRows,
  lakestream,
  runArgs,
} from "./kafka-cli-kit.ts";
import { freshTopic, waitFor } from "./kafka-test-kit.ts";

beforeAll(assertKafkaReady);

describe("lakestream produce + run against the real broker (the ingest handler behind the event source)", () => {
  it("100,000 records with bad ones: every good record in the lake, every bad one quarantined with its bytes, lag 0", async () => {
    const topic = await freshTopic("run-100k", 3);
    const lake = await tempDir("run-100k");
    const group = `g-${topic}`;
    const n = 100_000;
    await cli(["produce", "--topic", topic, "--count", String(n), "--bad-every", "997"]);
    const started = performance.now();
    const out = await cli(runArgs({ topic, group, lake, untilIdle: 3 }));
    const seconds = (performance.now() - started) / 1000;
    const summary = JSON.parse(out.trim().split("\n").at(-1) ?? "{}");
    console.log(
      `run: ${n} records in ${seconds.toFixed(1)} s including 3 s idle wait (${summary.invocations} invocations)`,
    );

    const {
      want,
      rows: lakeNow,
      bad,
    } = await expectEverythingLanded({ lake, topic, group, n, badEvery: 997, partitions: 3 });
    expect(lakeNow.rows).toBe(want.good.size);
    expect([...want.good].every((id) => lakeNow.ids.has(id))).toBe(true);
    for (const [i, value] of want.bad)
      expect(Buffer.from(bad.get(i)?.value ?? []).equals(Buffer.from(value))).toBe(true);
  });

  it("SIGKILL mid-stream, then restart: no record lost, lineage covers every offset", async () => {
    const topic = await freshTopic("run-kill", 3);
    const lake = await tempDir("run-kill");
    const group = `g-${topic}`;
    const n = 40_000;
    await cli(["produce", "--topic", topic, "--count", String(n), "--bad-every", "500"]);
    const first = lakestream(runArgs({ topic, group, lake, batchSize: 200 }));
    await waitFor("a few committed batches", async () => (await commitCount(lake)) >= 5, 60_000);
    first.child.kill("SIGKILL");
    const killed = await first.done;
    expect(killed.code).toBeNull();
    const before = await lakeRows(lake);
    const want = expected(n, 500);
    expect(before.distinctIds).toBeLessThan(want.good.size); // it really was mid-stream
    const killedRun = await committedRanges(lake);
    const kafkaCommitted = await committedOffsets(group, topic);

    await cli(runArgs({ topic, group, lake, batchSize: 200, untilIdle: 3 }));
    // Each run wrote each partition's batches in offset order, one after the other (partitions
    // were processed concurrently, each by one invocation at a time). The restart resumed each
    // partition at the group's committed offset, and no commit was ahead of the lake: it
    // repeated at most the tail the killed runner had landed but not yet committed.
    const restartRun = await committedRanges(lake, killedRun.files);
    for (let p = 0; p < 3; p++) {
      const a = killedRun.byPartition.get(p) ?? [];
      const b = restartRun.byPartition.get(p) ?? [];
      for (const [i, r] of a.entries()) expect(r.first).toBe(i === 0 ? 0 : a[i - 1]!.last + 1);
      for (const [i, r] of b.entries()) if (i > 0) expect(r.first).toBe(b[i - 1]!.last + 1);
      const resumedAt = Math.max(0, kafkaCommitted.get(p) ?? -1);
      const landedUpTo = (a.at(-1)?.last ?? -1) + 1;
      expect(landedUpTo).toBeGreaterThanOrEqual(resumedAt);
      expect(b[0]!.first).toBeGreaterThanOrEqual(resumedAt);
      expect(b[0]!.first).toBeLessThanOrEqual(landedUpTo);
    }
    const { rows: after } = await expectEverythingLanded({
      lake,
      topic,
      group,
      n,
      badEvery: 500,
      partitions: 3,
    });
    console.log(
      `SIGKILL restart: ${after.rows - after.distinctOffsets} raw duplicate rows (${after.rows} rows for ${after.distinctOffsets} offsets)`,
    );
  });

  it("SIGTERM: finishes the batch in hand, commits and exits 0", async () => {
    const topic = await freshTopic("run-term", 1);
    const lake = await tempDir("run-term");
    const group = `g-${topic}`;
    await cli(["produce", "--topic", topic, "--count", "20000", "--partitions", "1"]);
    const p = lakestream(runArgs({ topic, group, lake, batchSize: 100 }));
    await waitFor("a committed batch", async () => (await commitCount(lake)) >= 1, 60_000);
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
    const zero = await lakestream(["run", "--concurrency", "0"]).done;
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain("--concurrency");
    const other = await lakestream(["produce", "--count", "x"]).done;
    expect(other.code).toBe(2);
  });
});
