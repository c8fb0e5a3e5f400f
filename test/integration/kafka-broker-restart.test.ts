import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers/lake.ts";
import {
  cli,
  commitCount,
  exitWithin,
  expectEverythingLanded,
  lagOf,
  lakestream,
  runArgs,
} from "./kafka-cli-kit.ts";
import { freshTopic, waitFor } from "./kafka-test-kit.ts";

// A broker of its own (same script, its own data and ports), so restarting it disturbs no other
// test that uses the shared broker. LAKESTREAM_KAFKA_RESTART_PORT moves it when two checkouts
// run their tests on one machine.
const KAFKA_SH = fileURLToPath(new URL("../services/kafka.sh", import.meta.url));
const PORT = Number(process.env.LAKESTREAM_KAFKA_RESTART_PORT ?? 19092);
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

/**
 * Produces n records, starts `lakestream run … --until-idle 5`, stops the broker once the runner
 * is mid-stream, waits for `whileDown` (if given), starts the broker again, then checks that the
 * runner exited 0 by itself with every record in the lake or quarantine and the group's lag 0.
 */
async function restartMidRun(whileDown?: (runner: ReturnType<typeof lakestream>) => Promise<void>) {
  // Leave room under the test timeout to kill a runner that hangs and show what it was doing.
  const deadline = Date.now() + 165_000;
  const topic = await freshTopic("run-restart", 3, client);
  const lake = await tempDir("run-restart");
  const group = `g-${topic}`;
  const n = 60_000;
  await cli(["produce", "--topic", topic, "--count", String(n), "--bad-every", "700"], BROKERS);
  // --verbose: info lines too (assignments, consumer restarts, commits resuming) in the stderr shown on failure.
  const runner = lakestream(
    runArgs({ topic, group, lake, batchSize: 100, untilIdle: 5, extra: ["--verbose"] }),
    BROKERS,
  );
  const commits = () => commitCount(lake);
  await waitFor("the runner to be mid-stream", async () => (await commits()) >= 3, 60_000);
  kafkaSh("stop");
  const during = await commits();
  await whileDown?.(runner);
  kafkaSh("start");
  const { code, stderr } = await exitWithin(runner, deadline - Date.now(), async () => {
    const lag = await Promise.race([
      lagOf(group, topic, client).then((l) => l.join(", ")),
      new Promise<string>((r) => setTimeout(() => r("(no answer within 10 s)"), 10_000)),
    ]);
    return `group lag per partition: ${lag}; commit files: ${await commits()}; during the stop: ${during}`;
  });
  expect(code, stderr).toBe(0);
  expect(during).toBeLessThan(n / 100); // the broker went away before the runner was done

  const { rows } = await expectEverythingLanded({
    lake,
    topic,
    group,
    n,
    badEvery: 700,
    partitions: 3,
    client,
  });
  const warnings = stderr.split("\n").filter((l) => l.includes('"level":"warn"')).length;
  console.log(
    `broker restart: ${rows.rows - rows.distinctOffsets} raw duplicate rows; runner warnings: ${warnings}`,
  );
}

describe("broker restart mid-run (a real broker, stopped and started by its service script)", () => {
  it("the runner recovers by itself and loses nothing", () => restartMidRun());

  // The broker stays away until kafkajs gives up on the consumer (a crash) and the runner has to
  // replace it. Until a consumer is back in the group, kafkajs's commitOffsets returns without
  // committing, and the runner goes on processing what it buffered: it must keep those offsets
  // and commit them after the rejoin (it once dropped them, then waited for ever for a lag of 0),
  // and leave no kafkajs client running behind it (it once printed its result but never exited).
  it("the runner recovers by itself and loses nothing when the broker is away until the consumer crashed", () =>
    restartMidRun((runner) => {
      // Only a crash after the stop counts (a fresh broker's loading coordinator can cause one at start).
      const from = runner.output().stderr.length;
      return waitFor(
        "the runner's consumer to give up on the stopped broker",
        () => runner.output().stderr.slice(from).includes('"message":"consumer crashed"'),
        90_000,
      );
    }));
});
