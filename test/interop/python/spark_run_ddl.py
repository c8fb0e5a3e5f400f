"""Spark runs the SQL scripts `lakestream schema` prints, as printed, then answers queries.
One session for everything (a Spark start costs about 10 s here). Each script runs in its own
database, so the raw table's Spark DDL and its Hive DDL may create tables of the same name.
Input: {"scripts": [{"database": name or null, "sql": text}], "queries": {name: sql},
"schemas": {name: table}}. Output: {"queries": {name: first row}, "schemas": {name: [[column,
type, nullable]]}}."""

from lakestream_interop import emit, read_input, spark_session

spec = read_input()
spark = spark_session("lakestream-run-ddl")


def statements(script):
    """Statements of a SQL script: `--` comment lines dropped, split after each line that ends in `;`."""
    out, current = [], []
    for line in script.split("\n"):
        if line.strip().startswith("--"):
            continue
        current.append(line)
        if line.strip().endswith(";"):
            out.append("\n".join(current).strip()[:-1])
            current = []
    if "".join(current).strip():
        out.append("\n".join(current).strip())
    return out


for script in spec["scripts"]:
    if script.get("database"):
        spark.sql(f"CREATE DATABASE IF NOT EXISTS `{script['database']}`")
        spark.sql(f"USE `{script['database']}`")
    for statement in statements(script["sql"]):
        spark.sql(statement)

result = {
    "queries": {name: spark.sql(sql).first().asDict() for name, sql in spec["queries"].items()},
    "schemas": {
        name: [[f.name, f.dataType.simpleString(), f.nullable] for f in spark.table(table).schema.fields]
        for name, table in spec["schemas"].items()
    },
}
spark.stop()
emit(result)
