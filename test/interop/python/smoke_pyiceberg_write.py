"""pyiceberg creates a namespace and an hour-partitioned table with a timestamptz (µs) column in
each given REST catalog and appends rows. Input: {"catalogs": {key: properties}, "namespace",
"table", "rows": [{"id", "at" (ISO, UTC, µs), "amount", "name"}]}."""

import datetime

import pyarrow as pa
from lakestream_interop import emit, read_input, rest_catalog
from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.transforms import HourTransform
from pyiceberg.types import LongType, NestedField, StringType, TimestamptzType

spec = read_input()
schema = Schema(
    NestedField(1, "id", LongType(), required=True),
    NestedField(2, "at", TimestamptzType(), required=True),
    NestedField(3, "amount", LongType(), required=False),
    NestedField(4, "name", StringType(), required=False),
)
partition_spec = PartitionSpec(PartitionField(source_id=2, field_id=1000, transform=HourTransform(), name="at_hour"))
rows = spec["rows"]
data = pa.table(
    {
        "id": pa.array([r["id"] for r in rows], pa.int64()),
        "at": pa.array([datetime.datetime.fromisoformat(r["at"]) for r in rows], pa.timestamp("us", tz="UTC")),
        "amount": pa.array([r["amount"] for r in rows], pa.int64()),
        "name": pa.array([r["name"] for r in rows], pa.string()),
    },
    schema=schema.as_arrow(),
)

result = {}
for key, properties in spec["catalogs"].items():
    catalog = rest_catalog(key, properties)
    catalog.create_namespace(spec["namespace"])
    table = catalog.create_table(f"{spec['namespace']}.{spec['table']}", schema=schema, partition_spec=partition_spec)
    table.append(data)
    table = catalog.load_table(f"{spec['namespace']}.{spec['table']}")
    files = table.inspect.files().to_pylist()
    result[key] = {
        "location": table.location(),
        "metadataLocation": table.metadata_location,
        "snapshotId": table.current_snapshot().snapshot_id,
        "fields": [{"id": f.field_id, "name": f.name, "type": str(f.field_type)} for f in table.schema().fields],
        "partitionFields": [
            {"name": f.name, "transform": str(f.transform), "sourceId": f.source_id} for f in table.spec().fields
        ],
        "dataFiles": sorted(f["file_path"] for f in files),
        "recordCount": sum(f["record_count"] for f in files),
    }
emit(result)
