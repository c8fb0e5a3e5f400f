import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";
import { openStore } from "../../shared/storage/open-store.ts";
import { lakestream } from "../e2e/helpers/cli.ts";
import { queryDuckDb, sqlString } from "../helpers/duckdb.ts";
import { tempDir } from "../helpers/lake.ts";
import { freshBucket, s3Endpoint } from "../helpers/services.ts";
import { runSpark, sparkConf } from "../helpers/spark.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PIPELINE = join(ROOT, "test/interop/fixtures/spark-pipeline.ts");
/** Partition values Hive escapes (`/ = % : #`), a space, unicode, empty and null. */
const LABELS = ["a/b", "x=y", "50%", "c:d", "#h", "sp ace", "ünï", "", null, "plain"];
const NOW = "2026-11-25T00:00:00Z";

/** hadoop-aws and its AWS SDK bundle (test/services/python.sh), for s3a:// only. */
function hadoopAwsJars(): string[] {
  const dir = join(ROOT, ".services/hadoop-aws-jars");
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".jar"))
    .map((f) => join(dir, f));
}

/**
 * Hadoop both ways, with Spark from PyPI: Spark writes a dataset in its default layout
 * (`partitionBy("dt", "hour", "label")`, so `hour=6` and Hive-escaped labels), lakestream reads
 * its JSON copy with `run --files` and its Parquet copy with `backfill --from`, and publishes;
 * then Spark reads the raw landing over file:// and s3a:// (S3Proxy, path-style) and the
 * published and gold Iceberg tables through a Hadoop catalog, and its counts, sums and types
 * agree with what it wrote and with DuckDB.
 */
describe("Spark and Hadoop read what lakestream writes from what Spark wrote", () => {
  let work: string;
  let lake: string;
  let written: Record<"parquet" | "json", { rows: number; ids: number; amount: string }>;
  let read: Record<string, unknown> & {
    raw_file: Record<string, unknown>;
    raw_s3a: Record<string, unknown>;
    published: Record<string, unknown>;
    gold: { rows: number; revenue: string; types: Record<string, string> };
    hours: number[];
    footers: { created_by: string; ignore_binary: boolean; ignore_fixed: boolean }[];
    untrusted_name: boolean;
  };
  let runFiles: { code: number; stdout: string; stderr: string };
  let backfill: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    work = await tempDir("spark-loop");
    lake = join(work, "lake");
    written = await runSpark(
      { file: "spark_write_dataset.py" },
      {
        input: {
          parquet: `file://${work}/spark-parquet`,
          json: `file://${work}/spark-json`,
          parquet_ids: [1, 2000],
          json_ids: [2001, 2600],
          labels: LABELS,
        },
      },
    );
    runFiles = await lakestream(
      [
        "run",
        "--files",
        join(work, "spark-json"),
        "--pipeline",
        PIPELINE,
        "--lake",
        lake,
        "--until-idle",
        "1",
      ],
      ROOT,
    );
    backfill = await lakestream(
      [
        "backfill",
        "--from",
        join(work, "spark-parquet"),
        "--pipeline",
        PIPELINE,
        "--lake",
        lake,
        "--now",
        NOW,
      ],
      ROOT,
    );
    // The raw landing, copied to S3Proxy for Hadoop's s3a:// file system.
    const bucket = await freshBucket("spark-raw");
    const s3 = openStore({ bucket, endpoint: s3Endpoint() });
    const fs = new FsObjectStore(lake);
    for (const { key } of await fs.list("spark_events/")) await s3.put(key, (await fs.get(key))!);
    const rawFiles = readdirSync(join(lake, "spark_events"), { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".parquet"))
      .map((f) => `file://${join(lake, "spark_events", f)}`);
    const defaults = sparkConf([], work)["spark.jars"]!;
    read = await runSpark(
      { file: "spark_read_lake.py" },
      {
        catalogs: [{ name: "lake", kind: "hadoop", warehouse: `file://${lake}/warehouse` }],
        conf: {
          "spark.jars": [defaults, ...hadoopAwsJars()].join(","),
          "spark.hadoop.fs.s3a.endpoint": s3Endpoint(),
          "spark.hadoop.fs.s3a.endpoint.region": process.env.AWS_REGION ?? "us-east-1",
          "spark.hadoop.fs.s3a.path.style.access": "true",
          "spark.hadoop.fs.s3a.connection.ssl.enabled": "false",
          "spark.hadoop.fs.s3a.aws.credentials.provider":
            "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
          "spark.hadoop.fs.s3a.access.key": process.env.AWS_ACCESS_KEY_ID ?? "lakestream",
          "spark.hadoop.fs.s3a.secret.key": process.env.AWS_SECRET_ACCESS_KEY ?? "lakestream-secret",
        },
        input: {
          raw: `file://${lake}/spark_events`,
          raw_s3a: `s3a://${bucket}/spark_events`,
          tables: ["lake.lakestream.spark_events", "lake.lakestream.spark_events_by_label_1h"],
          files: rawFiles.slice(0, 3),
        },
        timeoutMs: 600_000,
      },
    );
  }, 1_200_000);

  const total = () => ({
    rows: written.parquet.rows + written.json.rows,
    ids: written.parquet.ids + written.json.ids,
  });

  it("reads Spark's dataset with the file source and the backfill: every row, once, nothing quarantined", () => {
    expect(runFiles.code, runFiles.stderr).toBe(0);
    expect(backfill.code, backfill.stderr).toBe(0);
    const files = JSON.parse(runFiles.stdout) as {
      records: number;
      quarantined: number;
      quarantinedFiles: number;
    };
    expect(files).toMatchObject({ records: written.json.rows, quarantined: 0, quarantinedFiles: 0 });
    const filled = JSON.parse(backfill.stdout) as { records: number; status: string; published: number };
    expect(filled).toMatchObject({
      records: written.parquet.rows,
      status: "SUCCEEDED",
      published: total().rows,
    });
    // Spark's own files (_SUCCESS, .crc) are not data.
    expect(backfill.stderr).not.toMatch(/_SUCCESS|\.crc/);
  });

  it("lets Spark read the raw landing over file:// and s3a:// with the counts, sums and partition values Spark wrote", () => {
    for (const raw of [read.raw_file, read.raw_s3a]) {
      expect(raw).toMatchObject({ rows: total().rows, ids: total().ids });
      // Hive's rule: an empty value and null are one partition, read back as null.
      expect(raw.labels).toEqual(
        [...new Set(LABELS.map((l) => (l === "" ? null : l)))].sort((a, b) =>
          a === null ? 1 : b === null ? -1 : a < b ? -1 : 1,
        ),
      );
      // Spark infers the raw layout's `hour=06` as an integer; DuckDB: see the next test.
      expect((raw.types as Record<string, string>).hour).toBe("int");
    }
    expect(read.hours).toEqual([6, 7]);
    const amount = (Number(written.parquet.amount) + Number(written.json.amount)).toFixed(2);
    expect(read.raw_file.amount).toBe(amount);
    expect(read.raw_s3a.amount).toBe(amount);
  });

  it("publishes Iceberg tables Spark reads through a Hadoop catalog, agreeing with DuckDB on counts, sums and types", async () => {
    expect(read.published).toMatchObject({
      rows: total().rows,
      ids: total().ids,
      amount: read.raw_file.amount,
      labels: read.raw_file.labels,
    });
    expect(read.published.types).toMatchObject({
      id: "bigint",
      at: "timestamp",
      name: "string",
      amount: "decimal(12,2)",
      tags: "array<string>",
      geo: "struct<country:string>",
      label: "string",
    });
    expect(read.gold).toMatchObject({ rows: total().rows, revenue: read.raw_file.amount });
    const table = (name: string) => sqlString(join(lake, "warehouse/lakestream", name));
    const [duck] = await queryDuckDb(
      `SELECT count(*) AS n, sum(id) AS ids, sum(amount)::VARCHAR AS amount FROM iceberg_scan(${table("spark_events")})`,
      { iceberg: true },
    );
    expect({ rows: Number(duck!.n), ids: Number(duck!.ids), amount: duck!.amount }).toEqual({
      rows: total().rows,
      ids: total().ids,
      amount: read.raw_file.amount,
    });
    const types = Object.fromEntries(
      (
        await queryDuckDb(`DESCRIBE SELECT * FROM iceberg_scan(${table("spark_events")})`, { iceberg: true })
      ).map((r) => [r.column_name, r.column_type]),
    );
    expect(types).toMatchObject({
      id: "BIGINT",
      at: "TIMESTAMP WITH TIME ZONE",
      name: "VARCHAR",
      amount: "DECIMAL(12,2)",
      tags: "VARCHAR[]",
      geo: "STRUCT(country VARCHAR)",
      label: "VARCHAR",
    });
    // The raw layout read by DuckDB: `hour` is text unless asked for a type, as docs/files.md says.
    const glob = sqlString(`${lake}/spark_events/**/*.parquet`);
    const [rawDuck] = await queryDuckDb(
      `SELECT count(*) AS n, typeof(any_value(hour)) AS hour_type FROM read_parquet(${glob}, hive_partitioning = true, hive_types_autocast = false)`,
    );
    expect({ n: Number(rawDuck!.n), hour: rawDuck!.hour_type }).toEqual({ n: total().rows, hour: "VARCHAR" });
  });

  it("writes Parquet footers whose string and decimal statistics parquet-mr trusts", () => {
    expect(read.footers.length).toBeGreaterThan(0);
    for (const f of read.footers) {
      expect(f.created_by).toMatch(/^lakestream version \d+\.\d+\.\d+ \(build [^)]+\)$/);
      expect(f).toMatchObject({ ignore_binary: false, ignore_fixed: false });
    }
    // The rule does bite: a bare name, as lakestream wrote before, has its statistics ignored.
    expect(read.untrusted_name).toBe(true);
  });
});
