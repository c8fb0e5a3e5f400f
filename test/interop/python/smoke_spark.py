"""Spark reads the smoke tables through the REST catalogs (count, sum, earliest timestamp,
.snapshots), appends rows with INSERT, and reads one table by its metadata file path.
Input: {"tables": {catalog name: "ns.table"}, "insert": [[id, "at", amount, "name"]],
"byPath": {key: metadata file path}, "hadoop": {"table": "<catalog>.ns.table", "folder"}}: the
table is created in a Hadoop (path-based) catalog and read back by its folder."""

from lakestream_interop import emit, read_input, spark_session

spec = read_input()
spark = spark_session("lakestream-smoke")
TS = "yyyy-MM-dd'T'HH:mm:ss.SSSSSS"


def summary(source):
    row = spark.sql(
        f"SELECT count(*) AS n, sum(amount) AS total, date_format(min(at), \"{TS}\") AS first FROM {source}"
    ).first()
    return {"count": row["n"], "sum": row["total"], "first": row["first"]}


def snapshots(table):
    rows = spark.sql(f"SELECT snapshot_id, operation FROM {table}.snapshots ORDER BY committed_at").collect()
    return [{"snapshotId": r["snapshot_id"], "operation": r["operation"]} for r in rows]


values = ", ".join(f"({i}, TIMESTAMP '{at}', {amount}, '{name}')" for i, at, amount, name in spec["insert"])
result = {"tables": {}, "byPath": {}}
for catalog, ident in spec["tables"].items():
    table = f"{catalog}.{ident}"
    before = {"summary": summary(table), "snapshots": snapshots(table)}
    spark.sql(f"INSERT INTO {table} VALUES {values}")
    after = {"summary": summary(table), "snapshots": snapshots(table)}
    result["tables"][catalog] = {"before": before, "after": after}
for key, path in spec.get("byPath", {}).items():
    spark.read.format("iceberg").load(path).createOrReplaceTempView("by_path")
    result["byPath"][key] = summary("by_path")
hadoop = spec.get("hadoop")
if hadoop:
    spark.sql(f"CREATE TABLE {hadoop['table']} (id bigint, at timestamp, amount bigint, name string) USING iceberg PARTITIONED BY (hours(at))")
    spark.sql(f"INSERT INTO {hadoop['table']} VALUES {values}")
    spark.read.format("iceberg").load(hadoop["folder"]).createOrReplaceTempView("hadoop_by_folder")
    result["hadoop"] = summary("hadoop_by_folder")
spark.stop()
emit(result)
