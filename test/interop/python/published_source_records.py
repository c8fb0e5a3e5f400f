"""pyiceberg reads one published Iceberg table by its metadata file (a lake on S3, no catalog
server): the source coordinates (_topic, _partition, _offset) of every row, one entry per row.
Input: {"metadata": "<location>", "properties": {s3 settings}}."""

from pyiceberg.table import StaticTable

from lakestream_interop import emit, read_input

spec = read_input()
rows = (
    StaticTable.from_metadata(spec["metadata"], spec.get("properties", {}))
    .scan(selected_fields=("_topic", "_partition", "_offset"))
    .to_arrow()
    .to_pylist()
)
emit([f"{r['_topic']}|{r['_partition']}|{r['_offset']}" for r in rows])
