"""Spark writes a dataset in its default layout, as a Spark job leaves it in HDFS or S3.

Input: {"parquet": <folder>, "json": <folder>, "parquet_ids": [first, last], "json_ids": [first, last],
"labels": [...]}. Both are partitioned by dt, hour (Spark writes hour=6) and label (escaped as Hive
escapes); Parquet with Spark's defaults (snappy, INT96 off: microsecond timestamps), JSON lines.
Emits what was written: row counts, the sum of ids and of amounts.
"""

import datetime
import decimal

from pyspark.sql import Row
from pyspark.sql import functions as F
from pyspark.sql.types import (
    ArrayType,
    DecimalType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from lakestream_interop import emit, read_input, spark_session

spec = read_input()
spark = spark_session("lakestream-write-dataset")
START = datetime.datetime(2026, 11, 23, 6, 0, 0, tzinfo=datetime.timezone.utc)
SCHEMA = StructType(
    [
        StructField("id", LongType(), False),
        StructField("at", TimestampType(), False),
        StructField("name", StringType(), True),
        StructField("amount", DecimalType(12, 2), True),
        StructField("tags", ArrayType(StringType()), True),
        StructField("geo", StructType([StructField("country", StringType(), False)]), True),
        StructField("label", StringType(), True),
    ]
)
labels = spec["labels"]


def rows(first, last):
    for i in range(first, last + 1):
        yield Row(
            id=i,
            at=START + datetime.timedelta(seconds=(i * 7) % 7200),
            name=f"n{i}",
            amount=decimal.Decimal(i).scaleb(-2),
            tags=[f"t{i}"],
            geo=Row(country="DE" if i % 2 else "FR"),
            label=labels[i % len(labels)],
        )


def frame(first, last):
    df = spark.createDataFrame(list(rows(first, last)), SCHEMA)
    return df.withColumn("dt", F.date_format("at", "yyyy-MM-dd")).withColumn("hour", F.hour("at"))


out = {}
for kind in ("parquet", "json"):
    first, last = spec[f"{kind}_ids"]
    df = frame(first, last)
    writer = df.write.mode("overwrite").partitionBy("dt", "hour", "label")
    (writer.parquet if kind == "parquet" else writer.json)(spec[kind])
    agg = df.agg(F.count("*").alias("n"), F.sum("id").alias("ids"), F.sum("amount").alias("amount")).first()
    out[kind] = {"rows": agg["n"], "ids": agg["ids"], "amount": str(agg["amount"])}
emit(out)
