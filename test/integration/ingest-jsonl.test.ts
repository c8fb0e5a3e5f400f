import { describe, expect, it } from "vitest";
import { definePipeline } from "../../shared/core/pipeline/define-pipeline.ts";
import { sampleRecord } from "../../shared/local/sample-records.ts";
import { clickstream } from "../../shared/pipelines/clickstream.ts";
import { createIngest } from "../../shared/runtime/ingest.ts";
import { FsObjectStore } from "../../shared/storage/fs-store.ts";
import { queryDuckDb, sqlString } from "../helpers/duckdb.ts";
import { tempDir } from "../helpers/lake.ts";
import { sampleEvent, sampleRawRecords } from "../helpers/sample-events.ts";

const jsonl = definePipeline({
  ...clickstream,
  name: "clickstream_jsonl",
  partitioning: { eventTime: { field: "ts" }, granularity: "day", columns: ["type"] },
  sink: { table: "clicks_jsonl", format: "jsonl-gzip", tableFormat: "hive" },
} as Parameters<typeof definePipeline>[0]);

describe("the gzip JSON Lines sink", () => {
  it("writes day/value partitions that DuckDB reads back with the same counts and exact decimal sums", async () => {
    const dir = await tempDir("jsonl");
    const ingest = createIngest({ pipeline: jsonl, store: new FsObjectStore(dir) });
    const records = sampleRawRecords(0, 2000, { spacingMs: 90_000, badEvery: 11 });
    const { summary } = await ingest(sampleEvent(records));
    expect(
      summary.files.every((f) =>
        /^clicks_jsonl\/dt=\d{4}-\d{2}-\d{2}\/type=[a-z]+\/.+\.jsonl\.gz$/.test(f.key),
      ),
    ).toBe(true);

    const glob = sqlString(`${dir}/clicks_jsonl/**/*.jsonl.gz`);
    const [row] = await queryDuckDb(
      `SELECT count(*) AS n, sum(CAST(amount AS DECIMAL(12,2))) AS total, count(DISTINCT type) AS types,
              bool_and(type IN ('view', 'click', 'purchase')) AS typed
       FROM read_json(${glob}, format = 'newline_delimited', hive_partitioning = true)`,
    );
    expect(Number(row!.n)).toBe(summary.rowsWritten);
    expect(Number(row!.types)).toBe(3);
    expect(row!.typed).toBe(true);
    let cents = 0;
    for (let i = 0; i < 2000; i++) cents += sampleRecord(i, i % 11 === 10, { spacingMs: 90_000 }).amountCents;
    expect(Number(row!.total)).toBeCloseTo(cents / 100, 2);
  });
});
