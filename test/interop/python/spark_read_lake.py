"""Spark and Hadoop read what lakestream wrote: the raw landing over file:// and s3a://, the
published and gold Iceberg tables through a Hadoop (path) catalog, and parquet-mr's rule on
whether the statistics in lakestream's Parquet footers are trusted.

Input: {"raw": <file:// folder of the raw table>, "raw_s3a": <s3a:// folder>, "tables": [...],
"files": [<a raw data file>], "s3": {endpoint, access_key, secret_key}}.
"""

from pyspark.sql import functions as F

from lakestream_interop import emit, read_input, spark_session

spec = read_input()
spark = spark_session("lakestream-read-lake")
jvm = spark._jvm


def describe(df):
    agg = df.agg(F.count("*").alias("n"), F.sum("id").alias("ids"), F.sum("amount").alias("amount")).first()
    labels = sorted({r["label"] for r in df.select("label").distinct().collect()}, key=lambda v: (v is None, v or ""))
    return {
        "rows": agg["n"],
        "ids": agg["ids"],
        "amount": str(agg["amount"]),
        "labels": labels,
        "types": {f.name: f.dataType.simpleString() for f in df.schema.fields},
    }


out = {"raw_file": describe(spark.read.parquet(spec["raw"]))}
out["raw_s3a"] = describe(spark.read.parquet(spec["raw_s3a"]))
out["hours"] = sorted(r["hour"] for r in spark.read.parquet(spec["raw"]).select("hour").distinct().collect())
out["published"] = describe(spark.table(spec["tables"][0]))
gold = spark.table(spec["tables"][1])
out["gold"] = {
    "rows": gold.agg(F.sum("events")).first()[0],
    "revenue": str(gold.agg(F.sum("revenue")).first()[0]),
    "types": {f.name: f.dataType.simpleString() for f in gold.schema.fields},
}

# parquet-mr's own rule (CorruptStatistics, PARQUET-251): min/max of binary columns (strings and
# decimals stored as bytes) count only when the writer's created_by parses as a version it trusts.
conf = spark.sparkContext._jsc.hadoopConfiguration()
Binary = jvm.org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.BINARY
Fixed = jvm.org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY
footers = []
for f in spec["files"]:
    path = jvm.org.apache.hadoop.fs.Path(f)
    reader = jvm.org.apache.parquet.hadoop.ParquetFileReader.open(
        jvm.org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(path, conf)
    )
    created_by = reader.getFooter().getFileMetaData().getCreatedBy()
    reader.close()
    footers.append(
        {
            "created_by": created_by,
            "ignore_binary": jvm.org.apache.parquet.CorruptStatistics.shouldIgnoreStatistics(created_by, Binary),
            "ignore_fixed": jvm.org.apache.parquet.CorruptStatistics.shouldIgnoreStatistics(created_by, Fixed),
        }
    )
out["footers"] = footers
out["untrusted_name"] = jvm.org.apache.parquet.CorruptStatistics.shouldIgnoreStatistics("lakestream", Binary)
emit(out)
