import { execFileSync } from "node:child_process";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers/lake.ts";
import { cli, expected, lagOf, lakeRows, lakestream, quarantined, topicSize } from "./kafka-cli-kit.ts";
import { freshTopic, waitFor } from "./kafka-test-kit.ts";

// A broker of its own (same script, its own data and ports), so restarting it disturbs no other
// test that uses the shared broker on 9092.
const KAFKA_SH = fileURLToPath(new URL("../services/kafka.sh", import.meta.url));
const PORT = 19092;
const BROKERS = [`127.0.0.1:${PORT}`];
const kafkaSh = (action: "start" | "stop" | "reset") =>
  execFileSync("bash", [KAFKA_SH, action], {
    stdio: "inherit",
    timeout: 180_000,
    env: { ...process.env, LAKESTREAM_KAFKA_INSTANCE: "restart-test", LAKESTREAM_KAFKA_PORT: String(PORT) },
  });
const client = new Kafka({ clientId: "restart-test", brokers: BROKERS, logLevel: logLevel.NOTHING });

beforeAll(() => kafkaSh("start"), 180_000);
afterAll(() => kafkaSh("reset"), 180_000);

describe("broker restart mid-run (a real broker, stopped and started by its service script)", () => {
  it("the runner recovers by itself and loses nothing", async () => {
    const topic = await freshTopic("run-restart", 3, client);
    const lake = await tempDir("run-restart");
    const group = `g-${topic}`;
    const n = 60_000;
    await cli(["produce", "--topic", topic, "--count", String(n), "--bad-every", "700"], BROKERS);
    const runner = lakestream(
      [
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
      ],
      BROKERS,
    );
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
    expect(rows.distinctOffsets + bad.size + want.bots).toBe(await topicSize(topic, client));
    console.log(
      `broker restart: ${rows.rows - rows.distinctOffsets} raw duplicate rows; runner warnings: ${stderr.split("\n").filter(Boolean).length}`,
    );
    expect(await lagOf(group, topic, client)).toEqual([0, 0, 0]);
  });
});
