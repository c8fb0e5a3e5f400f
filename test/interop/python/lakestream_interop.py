"""Plumbing shared by the interop scripts that test/helpers/python.ts and spark.ts run.

A script reads its input with read_input(), does its work with an engine nobody here wrote
(pyiceberg, PySpark, DuckDB) and prints one JSON document with emit(); the TypeScript helper
parses the last line of stdout. Integers beyond 2^53 (snapshot ids) are emitted as strings,
so JavaScript never rounds them.
"""

import datetime
import decimal
import json
import os
import sys

SAFE_INT = 2**53 - 1


def read_input():
    """The JSON value the test passed as `input` (None when it passed none)."""
    raw = os.environ.get("LAKESTREAM_INTEROP_INPUT")
    return None if raw is None else json.loads(raw)


def _plain(value):
    if isinstance(value, bool) or value is None or isinstance(value, (str, float)):
        return value
    if isinstance(value, int):
        return str(value) if abs(value) > SAFE_INT else value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def emit(result):
    """Prints the script's result as the last line of stdout."""
    sys.stdout.flush()
    print(json.dumps(_plain(result)), flush=True)


def spark_session(app_name="lakestream-interop"):
    """A local SparkSession with the conf the TypeScript helper built (catalogs, jars, 127.0.0.1)."""
    from pyspark.sql import SparkSession

    conf = json.loads(os.environ["LAKESTREAM_SPARK_CONF"])
    builder = SparkSession.builder.appName(app_name)
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark


def rest_catalog(name, properties):
    """A pyiceberg catalog from the properties test/helpers/catalogs.ts gives."""
    from pyiceberg.catalog import load_catalog

    return load_catalog(name, **properties)


def duckdb_connect():
    """DuckDB with the iceberg and avro extensions loaded from their wheels: nothing downloaded."""
    import duckdb
    import duckdb_extension_avro
    import duckdb_extension_iceberg

    connection = duckdb.connect(
        config={"autoinstall_known_extensions": "false", "autoload_known_extensions": "false", "threads": "1"}
    )
    for module, name in ((duckdb_extension_avro, "avro"), (duckdb_extension_iceberg, "iceberg")):
        path = os.path.join(
            os.path.dirname(module.__file__), "extensions", f"v{duckdb.__version__}", f"{name}.duckdb_extension"
        )
        connection.execute(f"LOAD '{path}'")
    connection.execute("SET TimeZone = 'UTC'")
    return connection


def local_path(location):
    """A file:/… or file:///… location as a plain path (Hadoop writes file:/ with one slash)."""
    if location.startswith("file:"):
        path = location[len("file:") :]
        while path.startswith("//"):
            path = path[1:]
        return path
    return location
