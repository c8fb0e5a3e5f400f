"""Spark reads lakestream's Iceberg tables through a REST catalog: per table the row count, the sums
of the named columns, rows where a column is null, and the newest snapshot's operation and summary;
then runs the given statements (an INSERT) and reads the counts again.
Input: {"tables": {"<catalog>.<ns>.<table>": {"sums": [col], "nulls": [col]}}, "statements": [sql]}."""

from lakestream_interop import emit, read_input, spark_session

spec = read_input()
spark = spark_session("lakestream-read-tables")


def read(table, wanted):
    sums = ", ".join(f"CAST(sum({c}) AS STRING) AS `sum_{c}`" for c in wanted.get("sums", []))
    nulls = ", ".join(f"count_if({c} IS NULL) AS `null_{c}`" for c in wanted.get("nulls", []))
    columns = ", ".join(x for x in ["count(*) AS n", sums, nulls] if x)
    row = spark.sql(f"SELECT {columns} FROM {table}").first().asDict()
    newest = spark.sql(
        f"SELECT operation, summary FROM {table}.snapshots ORDER BY committed_at DESC LIMIT 1"
    ).first()
    schema = {f.name: f.dataType.simpleString() for f in spark.table(table).schema.fields}
    return {**row, "operation": newest["operation"], "summary": dict(newest["summary"]), "schema": schema}


result = {"before": {t: read(t, w) for t, w in spec["tables"].items()}}
for statement in spec.get("statements", []):
    spark.sql(statement)
if spec.get("statements"):
    result["after"] = {t: read(t, w) for t, w in spec["tables"].items()}
spark.stop()
emit(result)
