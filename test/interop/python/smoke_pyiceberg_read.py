"""pyiceberg reads the smoke tables back: through the REST catalog (every row, after Spark's
INSERT) and with StaticTable.from_metadata (no catalog) at given metadata files.
Input: {"catalogs": {key: properties}, "table": "ns.table", "static": {key: {"location", "properties"}}}."""

from lakestream_interop import emit, read_input, rest_catalog
from pyiceberg.table import StaticTable

spec = read_input()


def summary(table):
    rows = table.scan().to_arrow().sort_by("id").to_pylist()
    return {
        "count": len(rows),
        "sum": sum(r["amount"] for r in rows),
        "ids": [r["id"] for r in rows],
        "first": min(r["at"] for r in rows).isoformat() if rows else None,
        "snapshotId": table.current_snapshot().snapshot_id,
    }


result = {"catalog": {}, "static": {}}
for key, properties in spec["catalogs"].items():
    result["catalog"][key] = summary(rest_catalog(key, properties).load_table(spec["table"]))
for key, static in spec["static"].items():
    result["static"][key] = summary(StaticTable.from_metadata(static["location"], static.get("properties", {})))
emit(result)
