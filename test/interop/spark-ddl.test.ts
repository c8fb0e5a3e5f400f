import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers/lake.ts";
import { runSpark } from "../helpers/spark.ts";
import { exitWithin, lakestream } from "../integration/kafka-cli-kit.ts";
import { normalType, printedColumns, printedName } from "./printed-ddl.ts";
import { duckEvents, duckGold, storageCatalog } from "./sql-checks.ts";

// `lakestream schema` prints Spark SQL and Hive DDL; PySpark (nobody here wrote it) runs them as
// printed over the lake the main job leaves: the raw landing files (Hive layout, Spark's own DDL and
// the Hive DDL with Hive support) and the published Iceberg tables (a Hadoop catalog set by SET).
const GOLD15 = "clickstream_by_type_15m";
const GOLD1H = "clickstream_active_users_1h";

let dir: string;
let lake: string;
let summary: { rowsWritten: number; goldRows: Record<string, number> };

/** `lakestream <args>` as a user runs it; its stdout. */
async function cli(args: string[]): Promise<string> {
  const { code, stdout, stderr } = await exitWithin(lakestream(args), 300_000);
  expect(code, stderr).toBe(0);
  return stdout;
}

beforeAll(async () => {
  dir = await tempDir("spark-ddl");
  lake = join(dir, "lake");
  const out = await cli(["start", "--lake", lake, "--records", "3000", "--no-report", "--no-progress"]);
  summary = JSON.parse(out);
  expect(summary).toMatchObject({ status: "SUCCEEDED" });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const eventsQuery = (table: string, hours: string) =>
  `SELECT count(*) AS n, count(DISTINCT event_id) AS ids, CAST(sum(amount) AS STRING) AS revenue,
    sum(CAST(is_mobile AS INT)) AS mobile, sum(size(tags)) AS tags, count(geo.city) AS cities,
    unix_millis(min(ts)) AS first_ts, max(_offset) AS max_offset, count(DISTINCT ${hours}) AS hours FROM ${table}`;

describe("Spark 4.0 runs the DDL `lakestream schema` prints", () => {
  it("spark-sql (raw files and Iceberg tables) and hive-ddl (raw files) execute as printed in one session; counts and sums equal DuckDB's; the printed Iceberg columns are the table's", async () => {
    const schema = (args: string[]) => cli(["schema", "--lake", lake, ...args]);
    const sparkRaw = await schema(["--format", "spark-sql", "--raw"]);
    const hiveRaw = await schema(["--format", "hive-ddl", "--raw"]);
    const iceberg = {
      events: await schema(["--format", "spark-sql"]),
      gold15: await schema(["--format", "spark-sql", "--table", GOLD15]),
      gold1h: await schema(["--format", "spark-sql", "--table", GOLD1H]),
    };
    const names = Object.fromEntries(Object.entries(iceberg).map(([k, v]) => [k, printedName(v)]));
    const t0 = performance.now();
    const out = await runSpark<{
      queries: Record<string, Record<string, unknown>>;
      schemas: Record<string, [string, string, boolean][]>;
    }>(
      { file: "spark_run_ddl.py" },
      {
        // Hive DDL (STORED AS, MSCK REPAIR) needs Spark's Hive support: an embedded Derby metastore.
        conf: { "spark.sql.catalogImplementation": "hive" },
        input: {
          scripts: [
            { database: "spark_ddl", sql: sparkRaw },
            { database: "hive_ddl", sql: hiveRaw },
            ...Object.values(iceberg).map((sql) => ({ database: null, sql })),
          ],
          queries: {
            sparkRaw: eventsQuery("spark_ddl.clickstream_events", "`hour`"),
            hiveRaw: eventsQuery("hive_ddl.clickstream_events", "`hour`"),
            events: eventsQuery(names.events!, "hour(ts)"),
            gold15: `SELECT count(*) AS n, sum(events) AS events, sum(users) AS users,
              CAST(sum(revenue) AS STRING) AS revenue, unix_millis(min(window_start)) AS first_window FROM ${names.gold15}`,
            gold1h: `SELECT count(*) AS n, sum(events) AS events, sum(users) AS users,
              unix_millis(min(first_seen)) AS first_seen, sum(CASE WHEN is_mobile THEN events ELSE 0 END) AS mobile
              FROM ${names.gold1h}`,
          },
          schemas: names,
        },
      },
    );
    console.log(`[interop] Spark over the printed DDL: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const { queries: q } = out;
    const cols = ["n", "ids", "mobile", "tags", "cities", "first_ts", "max_offset", "hours"] as const;
    const rawDuck = await duckEvents({ hive: join(lake, "clickstream_events") });
    const icebergDuck = await duckEvents({ iceberg: storageCatalog(lake) });
    for (const [spark, duck] of [
      [q.sparkRaw!, rawDuck],
      [q.hiveRaw!, rawDuck],
      [q.events!, icebergDuck],
    ] as const) {
      expect(cols.map((c) => Number(spark[c]))).toEqual(cols.map((c) => Number(duck[c])));
      expect(Number(spark.revenue).toFixed(2)).toBe(Number(duck.revenue).toFixed(2));
    }
    // Each event once in the published table; the raw files also hold what dedupe drops.
    expect(Number(q.events!.n)).toBe(Number(q.events!.ids));
    expect(Number(q.events!.n)).toBeGreaterThan(2000);
    const { byType: d15, active: d1h } = await duckGold(storageCatalog(lake));
    expect(["n", "events", "users", "first_window"].map((c) => Number(q.gold15![c]))).toEqual(
      [d15.n, d15.events, d15.users, d15.first_window].map(Number),
    );
    expect(Number(q.gold15!.revenue).toFixed(2)).toBe(Number(d15.revenue).toFixed(2));
    expect(Number(q.gold15!.n)).toBe(summary.goldRows[GOLD15]);
    expect(["n", "events", "users", "first_seen", "mobile"].map((c) => Number(q.gold1h![c]))).toEqual(
      [d1h.n, d1h.events, d1h.users, d1h.first_seen, d1h.mobile].map(Number),
    );
    for (const [name, ddl] of Object.entries(iceberg)) {
      const read = out.schemas[name]!.map(([c, type, nullable]) => [
        c,
        normalType(`${type}${nullable ? "" : " NOT NULL"}`),
      ]);
      expect(read, name).toEqual(printedColumns(ddl));
    }
  });

  it("what has no DDL is a usage error naming what to give: Hive/Athena DDL of an Iceberg table, raw files of a gold table, --location for an Iceberg table", async () => {
    const fails = async (args: string[], message: RegExp) => {
      const { code, stderr } = await exitWithin(lakestream(["schema", ...args]), 60_000);
      expect(code).toBe(2);
      expect(stderr).toMatch(message);
    };
    await fails(["--format", "hive-ddl"], /clickstream_events is an Apache Iceberg table.*give --raw/);
    await fails(["--format", "athena", "--table", GOLD15], /Iceberg table.*docs\/deploy\.md/);
    await fails(["--format", "spark-sql", "--raw", "--table", GOLD15], /only the events table/);
    await fails(["--format", "flink-sql", "--location", "file:///x"], /takes --warehouse/);
    await fails(["--format", "avro", "--raw", "--write-back"], /either --raw or --write-back/);
  });
});
