"""Parquet files as other tools write them, for the file source tests (pyarrow, from PyPI).

Input: {"dir": <folder>, "files": [{"name", "ids", "timestamps": "int96"|"ms"|"us",
"compression", "columns": "all"|"required", "name_type": "string"|"int64"}]}.
Row `id` has the same values as test/integration/file-source-kit.ts `row(id)`.
"""

import datetime
import decimal
import os

import pyarrow as pa
import pyarrow.parquet as pq

from lakestream_interop import emit, read_input

spec = read_input()
START = datetime.datetime(2026, 11, 23, 6, 0, 0, tzinfo=datetime.timezone.utc)
written = []
for f in spec["files"]:
    ids = f["ids"]
    unit = "us" if f["timestamps"] == "int96" else f["timestamps"]
    at = pa.array([START + datetime.timedelta(seconds=i % 3600) for i in ids], pa.timestamp(unit, tz="UTC"))
    columns = {"id": pa.array(ids, pa.int64()), "at": at}
    if f["columns"] == "all":
        if f.get("name_type") == "int64":
            columns["name"] = pa.array(ids, pa.int64())
        else:
            columns["name"] = pa.array([f"n{i}" for i in ids], pa.string())
        columns["amount"] = pa.array([decimal.Decimal(i).scaleb(-2) for i in ids], pa.decimal128(12, 2))
        columns["tags"] = pa.array([[f"t{i}", "x"] for i in ids], pa.list_(pa.string()))
        columns["geo"] = pa.array([{"country": "DE"} for _ in ids], pa.struct([("country", pa.string())]))
    path = os.path.join(spec["dir"], f["name"])
    pq.write_table(
        pa.table(columns),
        path,
        compression=f["compression"],
        use_deprecated_int96_timestamps=f["timestamps"] == "int96",
        row_group_size=f.get("row_group_size", 1_000_000),
    )
    written.append(path)
emit({"written": written})
