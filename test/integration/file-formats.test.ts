import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { createS3Client } from "../../shared/runtime/s3-client.ts";
import type { ObjectStore } from "../../shared/storage/object-store.ts";
import { openStore } from "../../shared/storage/open-store.ts";
import { S3SourceFiles } from "../../shared/storage/s3-source-files.ts";
import { queryDuckDb, sqlString } from "../helpers/duckdb.ts";
import { mirrorToDisk, tempDir } from "../helpers/lake.ts";
import { runPython } from "../helpers/python.ts";
import { freshBucket, s3Endpoint } from "../helpers/services.ts";
import { type Compression, ingestOnce, putObject, textFile } from "./file-source-kit.ts";

const PY = fileURLToPath(new URL("./python/write_parquet_inputs.py", import.meta.url));
const ids = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

/**
 * The file source against a real S3-compatible server (S3Proxy) and real files: every format,
 * compressed or not, LF and CRLF, a byte order mark, Parquet written by pyarrow with INT96,
 * millisecond and microsecond timestamps, decimals, lists and structs, a missing nullable
 * column; broken lines, an empty file and files that cannot be read at all. DuckDB reads the lake.
 */
describe("file source: formats from S3", () => {
  let sourceBucket: string;
  let store: ObjectStore;
  let lakeDir: string;
  let first: Awaited<ReturnType<typeof ingestOnce>>;
  let second: Awaited<ReturnType<typeof ingestOnce>>;
  /** Ids of the rows that must land, by file. */
  const expected = new Map<string, number[]>();
  let next = 1;
  const take = (key: string, n: number) => {
    const list = ids(next, n);
    next += n;
    expected.set(key, list);
    return list;
  };

  beforeAll(async () => {
    sourceBucket = await freshBucket("files-src");
    store = openStore({ bucket: await freshBucket("files-lake"), endpoint: s3Endpoint() });
    for (const format of ["jsonl", "csv", "text"] as const) {
      for (const compression of ["none", "gzip", "zstd"] as Compression[]) {
        const crlf = compression !== "gzip";
        const bom = compression !== "zstd";
        const ext = { jsonl: "jsonl", csv: "csv", text: "txt" }[format];
        const suffix = { none: "", gzip: ".gz", zstd: ".zst" }[compression];
        const key = `in/${format}/dt=2026-11-23/hour=6/part-${compression}.${ext}${suffix}`;
        await putObject(sourceBucket, key, textFile(format, take(key, 50), { crlf, bom, compression }));
      }
    }
    // Broken lines: one bad JSON line in the middle, one CSV record with a stray quote.
    const good = take("in/broken/part.jsonl", 4);
    const lines = good.map((i) => JSON.stringify({ id: i, at: "2026-11-23T06:00:00Z" }));
    lines.splice(2, 0, '{"id": 99999, "at": "2026-11-23T06:00:00Z"');
    await putObject(sourceBucket, "in/broken/part.jsonl", new TextEncoder().encode(`${lines.join("\n")}\n`));
    const csv = take("in/broken/part.csv", 2);
    await putObject(
      sourceBucket,
      "in/broken/part.csv",
      new TextEncoder().encode(
        `id,at\n${csv[0]},2026-11-23T06:00:00Z\n77777,"2026-11-23T06:00:00Z"x\n${csv[1]},2026-11-23T06:00:00Z\n`,
      ),
    );
    await putObject(sourceBucket, "in/empty/part-00000.json", new Uint8Array(0));
    // Parquet as another tool writes it.
    const dir = await tempDir("parquet-inputs");
    const files = [
      {
        name: "int96.parquet",
        ids: take("in/parquet/int96.parquet", 40),
        timestamps: "int96",
        compression: "snappy",
        columns: "all",
      },
      {
        name: "millis.parquet",
        ids: take("in/parquet/millis.parquet", 40),
        timestamps: "ms",
        compression: "gzip",
        columns: "all",
      },
      {
        name: "micros.parquet",
        ids: take("in/parquet/micros.parquet", 40),
        timestamps: "us",
        compression: "zstd",
        columns: "all",
      },
      {
        name: "missing.parquet",
        ids: take("in/parquet/missing.parquet", 40),
        timestamps: "us",
        compression: "snappy",
        columns: "required",
      },
      {
        name: "bad-type.parquet",
        ids: ids(90_000, 5),
        timestamps: "us",
        compression: "snappy",
        columns: "all",
        name_type: "int64",
      },
    ];
    await runPython({ file: PY }, { input: { dir, files } });
    for (const f of files)
      await putObject(sourceBucket, `in/parquet/${f.name}`, await readFile(join(dir, f.name)));
    await putObject(sourceBucket, "in/parquet/not-parquet.parquet", new TextEncoder().encode("PAR? no"));
    const source = new S3SourceFiles({
      client: createS3Client({ endpoint: s3Endpoint() }),
      bucket: sourceBucket,
      prefix: "in/",
    });
    first = await ingestOnce(source, store);
    second = await ingestOnce(source, store);
    lakeDir = await tempDir("files-lake");
    await mirrorToDisk(store, lakeDir);
  });

  const raw = () =>
    `read_parquet(${sqlString(`${lakeDir}/file_events/**/*.parquet`)}, hive_partitioning = true)`;

  it("lands every row of every format once, compressed or not, LF or CRLF, with or without a BOM", async () => {
    const want = [...expected.values()].flat();
    const [t] = await queryDuckDb(
      `SELECT count(*) AS n, count(DISTINCT id) AS ids, sum(id) AS total FROM ${raw()}`,
    );
    expect(Number(t!.n)).toBe(want.length);
    expect(Number(t!.ids)).toBe(want.length);
    expect(Number(t!.total)).toBe(want.reduce((a, b) => a + b, 0));
    for (const [key, list] of expected) {
      const [f] = await queryDuckDb(
        `SELECT count(*) AS n, min(id) AS lo, max(id) AS hi FROM ${raw()} WHERE _topic LIKE ${sqlString(`s3://${sourceBucket}/${key}#%`)}`,
      );
      expect({ key, n: Number(f!.n) }).toEqual({ key, n: list.length });
      expect(Number(f!.lo)).toBe(Math.min(...list));
      expect(Number(f!.hi)).toBe(Math.max(...list));
    }
  });

  it("keeps the lineage of every row: the file's URI and version, line numbers from 1 (a CSV header is line 1), Parquet row positions from 0", async () => {
    const lineage = async (key: string) =>
      (
        await queryDuckDb(
          `SELECT _partition AS p, _offset AS o, id FROM ${raw()} WHERE _topic LIKE ${sqlString(`s3://${sourceBucket}/${key}#%`)} ORDER BY _offset`,
        )
      ).map((r) => [Number(r.p), Number(r.o), Number(r.id)]);
    const jsonl = expected.get("in/jsonl/dt=2026-11-23/hour=6/part-none.jsonl")!;
    expect(await lineage("in/jsonl/dt=2026-11-23/hour=6/part-none.jsonl")).toEqual(
      jsonl.map((id, i) => [0, i + 1, id]),
    );
    // Each CSV record spans two lines (a quoted line break) after the header line.
    const csv = expected.get("in/csv/dt=2026-11-23/hour=6/part-gzip.csv.gz")!;
    expect(await lineage("in/csv/dt=2026-11-23/hour=6/part-gzip.csv.gz")).toEqual(
      csv.map((id, i) => [0, 2 + 2 * i, id]),
    );
    const pq = expected.get("in/parquet/micros.parquet")!;
    expect(await lineage("in/parquet/micros.parquet")).toEqual(pq.map((id, i) => [0, i, id]));
  });

  it("reads Parquet values typed: INT96, millisecond and microsecond times, exact decimals, lists, structs, missing nullable columns as null", async () => {
    const rows = await queryDuckDb(
      `SELECT id, "at", amount::VARCHAR AS amount, tags, geo.country AS country, name FROM ${raw()}
       WHERE _topic LIKE '%/in/parquet/%' ORDER BY id`,
    );
    const byFile = (file: string) =>
      rows.filter((r) => expected.get(`in/parquet/${file}`)!.includes(Number(r.id)));
    for (const file of ["int96.parquet", "millis.parquet", "micros.parquet"]) {
      for (const r of byFile(file)) {
        const id = Number(r.id);
        expect(new Date(String(r.at)).getTime()).toBe(Date.UTC(2026, 10, 23, 6, 0, 0) + (id % 3600) * 1000);
        expect(r.amount).toBe((id / 100).toFixed(2));
        expect(r.tags).toEqual([`t${id}`, "x"]);
        expect(r.country).toBe("DE");
      }
    }
    expect(
      byFile("missing.parquet").every((r) => r.name === null && r.amount === null && r.tags === null),
    ).toBe(true);
    // CSV and JSON-lines rows took their path's partition values? No: the schema has none, and
    // the raw layout is by event time, whatever folders the source used.
    const [folders] = await queryDuckDb(`SELECT count(DISTINCT hour) AS hours FROM ${raw()}`);
    expect(Number(folders!.hours)).toBe(1);
  });

  it("quarantines a broken line with its bytes and line number, and a whole file that cannot be read or mapped, naming the column", async () => {
    const lines = async (prefix: string) => {
      const out: Record<string, unknown>[] = [];
      for (const { key } of await store.list(prefix)) {
        if (!key.endsWith(".jsonl")) continue;
        const text = new TextDecoder().decode((await store.get(key))!);
        for (const l of text.split("\n").filter(Boolean)) out.push(JSON.parse(l));
      }
      return out;
    };
    const bad = await lines("_quarantine/file_events/");
    const jsonLine = bad.find((l) => String(l.topic).includes("/in/broken/part.jsonl#"))!;
    expect(jsonLine).toMatchObject({ partition: 0, offset: 3, error: { name: "DeserializeError" } });
    expect(Buffer.from(String(jsonLine.value), "base64").toString()).toBe(
      '{"id": 99999, "at": "2026-11-23T06:00:00Z"',
    );
    const csvLine = bad.find((l) => String(l.topic).includes("/in/broken/part.csv#"))!;
    expect(csvLine).toMatchObject({ offset: 3, error: { name: "DeserializeError" } });
    expect(Buffer.from(String(csvLine.value), "base64").toString()).toBe('77777,"2026-11-23T06:00:00Z"x');
    const mapping = bad.find((l) => String(l.topic).includes("/bad-type.parquet#"))!;
    expect(mapping.error).toMatchObject({ name: "SchemaMappingError", field: "name" });
    expect(String((mapping.error as { message: string }).message)).toContain("bad-type.parquet");
    const notParquet = bad.find((l) => String(l.topic).includes("/not-parquet.parquet#"))!;
    expect(notParquet.error).toMatchObject({ name: "UndecodableFileError" });
    // The bytes of a file quarantined whole are kept beside its reason.
    const copy = (mapping.file as { bytes: string }).bytes;
    expect((await store.get(copy))?.byteLength).toBeGreaterThan(100);
    expect(first.quarantinedFiles).toBe(2);
    expect(first.quarantined).toBe(2);
  });

  it("reads an empty file as no rows, and a second run over the same files changes nothing", async () => {
    expect(first.files).toBe(expected.size + 3);
    expect(second).toMatchObject({
      files: first.files,
      ingested: 0,
      unchanged: first.files,
      records: 0,
      rowsWritten: 0,
    });
    const empty = (await store.list("_lakestream/files/file_events/")).filter((o) =>
      o.key.includes("part-00000.json~"),
    );
    expect(empty.map((o) => o.key.slice(o.key.lastIndexOf("/") + 1)).sort()).toEqual([
      "plan.json",
      "whole.json",
    ]);
  });
});
