import { beforeAll, describe, expect, it } from "vitest";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";
import { tempDir } from "../helpers/lake.ts";
import { readTopic } from "../helpers/read-topic.ts";
import { assertKafkaReady, kafkaBrokers } from "../helpers/services.ts";
import { exitWithin, lakestream } from "../integration/kafka-cli-kit.ts";
import { freshTopic } from "../integration/kafka-test-kit.ts";
import {
  buildExample,
  enrichedPipeline,
  expectRoundTrip,
  ingestAndCompact,
  java,
  produceSamples,
} from "./kit.ts";

let classpath = "";

beforeAll(async () => {
  await assertKafkaReady();
  const build = await buildExample("storm");
  classpath = build.classpath;
  console.log(`[interop] storm example build: ${build.seconds.toFixed(1)} s`);
});

describe("Storm 2.8 (LocalCluster) and lakestream share topics", () => {
  it("KafkaSpout on the write-back topic → enrich bolt → header-carrying producer bolt, one forced replay; lakestream ingests each event once with counts, sums and lineage intact", async () => {
    const source = await freshTopic("storm-src", 3);
    const writeBack = `storm-wb-${source.slice(-8)}`;
    const ref = await produceSamples(source, 2000);
    const lake = await tempDir("storm-lake");
    const ran = await exitWithin(
      lakestream([
        "run",
        "--topic",
        source,
        "--write-back",
        writeBack,
        "--lake",
        lake,
        "--until-idle",
        "2",
        "--no-progress",
      ]),
      300_000,
    );
    expect(ran.code, ran.stderr).toBe(0);

    const enriched = await freshTopic("storm-enriched", 3);
    const run = await java(classpath, "lakestream.examples.storm.WriteBackTopology", [
      "--brokers",
      kafkaBrokers().join(","),
      "--input",
      writeBack,
      "--output",
      enriched,
      "--expect",
      String(ref.ids.size),
      "--fail-once",
      "--timeout-seconds",
      "400",
    ]);
    console.log(`[interop] Storm topology: ${run.seconds.toFixed(1)} s`);
    // At least once, shown: the first tuple failed once and the spout replayed it.
    expect(JSON.parse(run.stdout.trim().split("\n").at(-1)!)).toEqual({
      written: ref.ids.size,
      failed: 1,
      replayed: 1,
    });
    const messages = await readTopic(enriched);
    expect(messages).toHaveLength(ref.ids.size);
    expect(messages.every((m) => m.headers["enriched.by"] === "storm")).toBe(true);

    const dir = await tempDir("storm-enriched-lake");
    const stats = await ingestAndCompact(
      enrichedPipeline(enriched),
      new FsObjectStore(dir, { durable: false }),
      ref.ids.size,
    );
    expect(stats.recordsDone).toBe(ref.ids.size);
    await expectRoundTrip({ dir, engine: "storm", sourceLake: lake, source, ref });
  });
});
