import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { tableShape } from "../../shared/core/schema-export/table-shape.ts";
import { clickstream } from "../../shared/pipelines/clickstream.ts";
import { createIngestHandler } from "../../shared/runtime/ingest-handler.ts";
import { KafkaWriteBack } from "../../shared/runtime/kafka-write-back.ts";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";
import { restCatalogDisk } from "../helpers/catalogs.ts";
import { tempDir } from "../helpers/lake.ts";
import { readTopic } from "../helpers/read-topic.ts";
import { assertKafkaReady, kafkaBrokers } from "../helpers/services.ts";
import { exitWithin, lakestream } from "../integration/kafka-cli-kit.ts";
import { eventSource, freshTopic, waitFor } from "../integration/kafka-test-kit.ts";
import {
  buildExample,
  enrichedPipeline,
  expectRoundTrip,
  ingestAndCompact,
  java,
  produceSamples,
  type Reference,
} from "./kit.ts";
import { normalType, printedColumns, printedName } from "./printed-ddl.ts";
import { publishThroughRest } from "./rest-lake.ts";
import {
  duckEvents,
  duckGold,
  expectEventsMatch,
  expectGoldMatch,
  flinkQueries,
  storageCatalog,
} from "./sql-checks.ts";

const N = 3000;
const TABLES = ["clickstream_events", "clickstream_by_type_15m", "clickstream_active_users_1h"] as const;
let classpath = "";
let source = "";
let writeBack = "";
let lake = "";
let ref: Reference;

/** `lakestream <args>` as a user runs it; its stdout. */
async function cli(args: string[]): Promise<string> {
  const { code, stdout, stderr } = await exitWithin(lakestream(args), 300_000);
  expect(code, stderr).toBe(0);
  return stdout;
}

beforeAll(async () => {
  await assertKafkaReady();
  const build = await buildExample("flink");
  classpath = build.classpath;
  console.log(`[interop] flink example build: ${build.seconds.toFixed(1)} s`);
  source = await freshTopic("flink-src", 3);
  writeBack = `flink-wb-${source.slice(-8)}`;
  ref = await produceSamples(source, N);
  lake = await tempDir("flink-lake");
  // The main job fills the raw, published and gold tables and writes every row back to Kafka.
  const out = await cli([
    "start",
    "--brokers",
    kafkaBrokers().join(","),
    "--topic",
    source,
    "--write-back",
    writeBack,
    "--lake",
    lake,
    "--until-idle",
    "2",
    "--no-report",
    "--no-progress",
  ]);
  expect(JSON.parse(out)).toMatchObject({ status: "SUCCEEDED", rowsWritten: ref.ids.size });
});

describe("Flink 2.1 (MiniCluster) and lakestream share tables and topics", () => {
  it("Flink SQL runs `lakestream schema --format flink-sql` as printed: the raw files, the events and gold Iceberg tables through a Hadoop catalog and through Iceberg's REST catalog server, and the write-back topic; counts and sums equal DuckDB's", async () => {
    const dir = await tempDir("flink-ddl");
    const endpoint = restCatalogDisk();
    const rest = await publishThroughRest({
      endpoint,
      pipeline: { ...clickstream, source: { ...clickstream.source, topics: [source] } },
      lake,
      copy: join(dir, "lake-rest"),
      tables: TABLES,
    });
    const printed = new Map<string, string>();
    const ddl = async (name: string, args: string[]) => {
      const file = join(dir, `${name}.sql`);
      const text = await cli(["schema", "--format", "flink-sql", ...args]);
      printed.set(name, text);
      await writeFile(file, text);
      return file;
    };
    const files = [await ddl("raw", ["--raw", "--lake", lake])];
    // Each Iceberg table's DDL starts with the same `CREATE CATALOG IF NOT EXISTS` for its catalog.
    const catalogs = [
      { name: "hadoop", args: ["--lake", lake], duck: storageCatalog(lake) },
      {
        name: "rest",
        args: ["--catalog-uri", endpoint.uri, "--catalog-name", "rest_lake", "--namespace", rest.namespace],
        duck: rest.metadata,
      },
    ];
    for (const c of catalogs)
      for (const t of TABLES) files.push(await ddl(`${c.name}.${t}`, [...c.args, "--table", t]));
    files.push(
      await ddl("wb", ["--write-back", "--topic", writeBack, "--brokers", kafkaBrokers().join(",")]),
    );
    const name = (c: { name: string }, t: string) => printedName(printed.get(`${c.name}.${t}`)!);
    const queries = [
      flinkQueries.events("clickstream_events"),
      ...catalogs.flatMap((c) => [
        flinkQueries.events(name(c, TABLES[0]), "DATE_FORMAT(ts, 'HH')"),
        flinkQueries.byType15m(name(c, TABLES[1])),
        flinkQueries.activeUsers1h(name(c, TABLES[2])),
      ]),
      flinkQueries.writeBack,
      ...catalogs.flatMap((c) => TABLES.map((t) => `DESCRIBE ${name(c, t)}`)),
    ];
    const run = await java(classpath, "lakestream.examples.flink.FlinkSqlCheck", [
      "--ddl",
      files.join(","),
      "--query",
      queries.join(";"),
    ]);
    console.log(`[interop] Flink SQL over 8 tables (2 catalogs) and a topic: ${run.seconds.toFixed(1)} s`);
    const lines = run.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const results = [
      { flink: lines[0], duck: await duckEvents({ hive: join(lake, "clickstream_events") }) },
      ...catalogs.map(async (c, i) => ({
        flink: lines[1 + 3 * i],
        duck: await duckEvents({ iceberg: c.duck }),
      })),
    ];
    for (const r of results) {
      const { flink, duck } = await r;
      expectEventsMatch(flink, duck, ref);
    }
    for (const [i, c] of catalogs.entries()) {
      expectGoldMatch({ byType: lines[2 + 3 * i], active: lines[3 + 3 * i] }, await duckGold(c.duck), ref);
    }
    // The write-back topic, read by Flink's Kafka connector: every row once, stamped with its event time.
    const wbRow = lines[1 + 3 * catalogs.length];
    expect(wbRow).toMatchObject({
      n: ref.ids.size,
      ids: ref.ids.size,
      event_time_stamped: ref.ids.size,
      with_lineage: ref.ids.size,
    });
    expect(Math.round(Number(wbRow.revenue) * 100)).toBe(ref.cents);
    // The columns the Iceberg DDL prints are the ones Flink's catalog reads from the table, in order and type.
    let at = 2 + 3 * catalogs.length;
    for (const c of catalogs) {
      for (const t of TABLES) {
        const columns = printedColumns(printed.get(`${c.name}.${t}`)!);
        const described = lines.slice(at, at + columns.length);
        at += columns.length;
        expect(described.map((d) => [d.name, normalType(`${d.type}${d.null ? "" : " NOT NULL"}`)])).toEqual(
          columns,
        );
      }
    }
    expect(at).toBe(lines.length);
  });

  it("a Flink job enriches the write-back topic into a topic lakestream ingests: each event once, counts and sums equal, lineage survives", async () => {
    const enriched = await freshTopic("flink-enriched", 3);
    const run = await java(classpath, "lakestream.examples.flink.WriteBackEnrichJob", [
      "--brokers",
      kafkaBrokers().join(","),
      "--input",
      writeBack,
      "--output",
      enriched,
      "--bounded",
    ]);
    console.log(`[interop] Flink enrich job: ${run.seconds.toFixed(1)} s`);
    const dir = await tempDir("flink-enriched-lake");
    const store = new FsObjectStore(dir, { durable: false });
    const stats = await ingestAndCompact(enrichedPipeline(enriched), store, ref.ids.size);
    expect(stats.recordsDone).toBe(ref.ids.size);
    await expectRoundTrip({ dir, engine: "flink", sourceLake: lake, source, ref });
  });

  it("Avro's Java parser accepts every schema `lakestream schema --format avro` prints, with the logical types the files hold", async () => {
    const dir = await tempDir("flink-avro-schemas");
    const files: string[] = [];
    for (const args of [
      [],
      ["--write-back"],
      ["--table", "clickstream_by_type_15m"],
      ["--table", "clickstream_active_users_1h"],
      ["--table", "clickstream_by_type_15m", "--write-back"],
    ]) {
      const file = join(dir, `${files.length}.avsc`);
      await writeFile(file, await cli(["schema", "--format", "avro", ...args]));
      files.push(file);
    }
    const run = await java(classpath, "lakestream.examples.flink.AvroSchemaCheck", files);
    const parsed = run.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(parsed.map((p) => p.name)).toEqual([
      "lakestream.clickstream.clickstream_events",
      "lakestream.clickstream.clickstream_events_value",
      "lakestream.clickstream.clickstream_by_type_15m",
      "lakestream.clickstream.clickstream_active_users_1h",
      "lakestream.clickstream.clickstream_by_type_15m_value",
    ]);
    const [events, value, gold] = parsed;
    expect(Object.keys(events.fields)).toEqual(Object.keys(tableShape(clickstream).columns));
    expect(Object.keys(value.fields)).toEqual(Object.keys(clickstream.schema));
    expect(events.fields._ts).toEqual({ type: "long", logicalType: "timestamp-micros" });
    expect(events.fields.amount[1]).toMatchObject({
      type: "fixed",
      logicalType: "decimal",
      precision: 12,
      scale: 2,
    });
    expect(gold.fields.revenue[1]).toMatchObject({
      type: "fixed",
      size: 16,
      logicalType: "decimal",
      precision: 38,
      scale: 2,
    });
  });

  it("Avro write-back values: Flink decodes them with Avro's Java parser and the schema `lakestream schema --write-back --format avro` prints", async () => {
    const avroTopic = `flink-wb-avro-${source.slice(-8)}`;
    const pipeline = {
      ...clickstream,
      source: { ...clickstream.source, topics: [source] },
      writeBack: { topic: avroTopic, format: "avro" as const },
    };
    const sink = new KafkaWriteBack({
      connection: { brokers: kafkaBrokers() },
      topic: avroTopic,
      sourceTopics: [source],
    });
    const ingest = createIngestHandler({
      pipeline,
      store: new FsObjectStore(await tempDir("flink-avro"), { durable: false }),
      writeBack: sink,
    });
    const esm = eventSource(source, (e, c) => ingest(e, c), {
      batchSize: 500,
      reportBatchItemFailures: true,
    });
    await esm.start();
    await waitFor(`${N} records`, () => esm.stats().recordsDone >= N, 300_000);
    await esm.stop();
    await sink.disconnect();
    const dir = await tempDir("flink-avsc");
    await mkdir(dir, { recursive: true });
    const schemaFile = join(dir, "value.avsc");
    await writeFile(schemaFile, await cli(["schema", "--write-back", "--format", "avro"]));
    const out = await freshTopic("flink-avro-out", 3);
    await java(classpath, "lakestream.examples.flink.WriteBackEnrichJob", [
      "--brokers",
      kafkaBrokers().join(","),
      "--input",
      avroTopic,
      "--output",
      out,
      "--avro-schema",
      schemaFile,
      "--bounded",
      "--group",
      `avro-${out}`,
    ]);
    const messages = await readTopic(out);
    const rows = messages.map((m) => JSON.parse(m.value.toString()));
    expect(new Set(rows.map((r) => r.event_id))).toEqual(ref.ids);
    expect(rows).toHaveLength(ref.ids.size);
    expect(rows.reduce((n, r) => n + r.revenue_cents, 0)).toBe(ref.cents);
    // Decoded timestamps equal the Kafka timestamp lakestream stamped (the event time), to the millisecond.
    expect(messages.every((m, i) => Date.parse(rows[i].ts) === m.timestamp)).toBe(true);
    expect(JSON.parse(await readFile(schemaFile, "utf8")).name).toBe("clickstream_events_value");
  });
});
