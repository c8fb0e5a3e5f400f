"""DuckDB's iceberg extension (loaded from its wheel) reads tables by metadata file, or by table
folder when it has metadata/version-hint.text. Input: {"metadata": {key: path or file: location}}."""

from lakestream_interop import duckdb_connect, emit, local_path, read_input

spec = read_input()
connection = duckdb_connect()
result = {}
for key, location in spec["metadata"].items():
    path = local_path(location).replace("'", "''")
    count, total, first = connection.execute(
        "SELECT count(*), sum(amount), strftime(min(\"at\"), '%Y-%m-%dT%H:%M:%S.%f') "
        f"FROM iceberg_scan('{path}')"
    ).fetchone()
    result[key] = {"count": count, "sum": total, "first": first}
emit(result)
