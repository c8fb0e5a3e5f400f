import { execFileSync } from "node:child_process";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers/lake.ts";
import { assertKafkaReady } from "../helpers/services.ts";
import { cli, expected, lagOf, lakeRows, lakestream, quarantined, topicSize } from "./kafka-cli-kit.ts";
import { freshTopic, waitFor } from "./kafka-test-kit.ts";

const KAFKA_SH = fileURLToPath(new URL("../services/kafka.sh", import.meta.url));
const kafkaSh = (action: "start" | "stop") =>
  execFileSync("bash", [KAFKA_SH, action], { stdio: "inherit", timeout: 120_000 });

beforeAll(assertKafkaReady);
// Whatever happens in the test, leave the broker running for the tests after it.
afterAll(() => kafkaSh("start"));

describe("broker restart mid-run (real broker, stopped and started by its service script)", () => {
  it("the runner recovers by itself and loses nothing", async () => {
    const topic = await freshTopic("run-restart", 3);
    const lake = await tempDir("run-restart");
    const group = `g-${topic}`;
    const n = 60_000;
    await cli(["produce", "--topic", topic, "--count", String(n), "--bad-every", "700"]);
    const runner = lakestream([
      "run",
      "--topic",
      topic,
      "--group",
      group,
      "--lake",
      lake,
      "--batch-size",
      "100",
      "--until-idle",
      "5",
      "--no-progress",
    ]);
    const commits = async () =>
      (await readdir(join(lake, "_lakestream", "commits"), { recursive: true }).catch(() => [])).length;
    await waitFor("the runner to be mid-stream", async () => (await commits()) >= 3, 60_000);
    kafkaSh("stop");
    const during = await commits();
    kafkaSh("start");
    const { code, stderr } = await runner.done;
    expect(code, stderr).toBe(0);
    expect(during).toBeLessThan(n / 100); // the broker went away before the runner was done

    const want = expected(n, 700);
    const rows = await lakeRows(lake);
    const bad = await quarantined(lake);
    expect(rows.distinctIds).toBe(want.good.size);
    expect(rows.cents).toBe(want.cents);
    expect(bad.size).toBe(want.bad.size);
    expect(rows.distinctOffsets + bad.size + want.bots).toBe(await topicSize(topic));
    console.log(
      `broker restart: ${rows.rows - rows.distinctOffsets} raw duplicate rows; runner log lines: ${stderr.split("\n").filter(Boolean).length}`,
    );
    expect(await lagOf(group, topic)).toEqual([0, 0, 0]);
  });
});
