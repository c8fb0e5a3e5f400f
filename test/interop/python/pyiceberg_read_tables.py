"""pyiceberg reads lakestream's Iceberg tables: through a REST catalog ("catalog": properties) and
by metadata file path ("static": {name: metadata location}); per table the row count, the sums of
the named columns and rows where a column is null.
Input: {"catalog": {...}, "tables": {"<ns>.<table>": {"sums": [...], "nulls": [...]}},
"static": {"<name>": {"metadata": "<location>", "sums": [...], "nulls": [...]}}}."""

import pyarrow.compute as pc
from pyiceberg.table import StaticTable

from lakestream_interop import emit, read_input, rest_catalog

spec = read_input()


def summarize(table, wanted):
    data = table.scan().to_arrow()
    out = {"n": data.num_rows, "snapshots": len(table.snapshots())}
    for column in wanted.get("sums", []):
        out[f"sum_{column}"] = str(pc.sum(data[column]).as_py())
    for column in wanted.get("nulls", []):
        out[f"null_{column}"] = data[column].null_count
    out["schema"] = {f.name: str(f.field_type) for f in table.schema().fields}
    return out


result = {"catalog": {}, "static": {}}
if spec.get("catalog"):
    catalog = rest_catalog("lake", spec["catalog"])
    for name, wanted in spec.get("tables", {}).items():
        result["catalog"][name] = summarize(catalog.load_table(name), wanted)
for name, wanted in spec.get("static", {}).items():
    result["static"][name] = summarize(StaticTable.from_metadata(wanted["metadata"]), wanted)
emit(result)
