/**
 * What a GB of input costs at the measured rates, beside Amazon Data Firehose for the same job
 * (JSON from Kafka → Parquet in S3, partitioned by event time). Prices are us-east-1 list prices
 * as published on the AWS pricing pages (Lambda, Data Firehose) when this was written; override
 * them with the environment variables named below when they change or for another region.
 */
const price = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

/** Lambda arm64, per GB-second (first 7.5 billion GB-s a month) and per request. */
const LAMBDA_ARM_GB_SECOND = price("BENCH_PRICE_LAMBDA_ARM_GB_S", 0.0000133334);
const LAMBDA_REQUEST = price("BENCH_PRICE_LAMBDA_REQUEST", 0.2 / 1_000_000);
/** Firehose, per GB: ingestion (first 500 TB a month), JSON → Parquet conversion, dynamic partitioning. */
const FIREHOSE_INGEST_GB = price("BENCH_PRICE_FIREHOSE_INGEST_GB", 0.029);
const FIREHOSE_CONVERT_GB = price("BENCH_PRICE_FIREHOSE_CONVERT_GB", 0.018);
const FIREHOSE_PARTITION_GB = price("BENCH_PRICE_FIREHOSE_PARTITION_GB", 0.02);
/** Firehose bills conversion (and Direct PUT ingestion) per record rounded up to 5 KB. */
const FIREHOSE_RECORD_UNIT_BYTES = 5 * 1024;
/** Lambda gives one vCPU at 1,769 MB, and CPU in proportion below it. */
const ONE_VCPU_MB = 1769;
const GB = 1024 ** 3;

export interface CostInput {
  /** Input records per second on one core (the ingest core, single-threaded). */
  readonly coreRecordsPerSec: number;
  /** Rows per second of compact + aggregate + publish on one core. */
  readonly stagesRowsPerSec: number;
  /** Average input record (Kafka value) size in bytes. */
  readonly bytesPerRecord: number;
  /** Records per invocation (Lambda's batch). */
  readonly recordsPerBatch: number;
  /** Memory of the stage functions (MB); above 1,769 MB a single-threaded stage gets no faster. */
  readonly stagesMemoryMb: number;
}

export interface CostRow {
  readonly what: string;
  readonly usdPerGb: number;
  readonly basis: string;
}

/**
 * Cost per GB of input. A CPU-bound single-threaded function costs the same GB-seconds at any
 * memory up to 1,769 MB (less memory, proportionally less CPU, longer run), so ingest is priced
 * at one vCPU; the stages at their configured memory. Assumes one core here ≈ one Graviton vCPU.
 */
export function costTable(input: CostInput): CostRow[] {
  const recordsPerGb = GB / input.bytesPerRecord;
  const ingestSeconds = recordsPerGb / input.coreRecordsPerSec;
  const ingest =
    ingestSeconds * (ONE_VCPU_MB / 1024) * LAMBDA_ARM_GB_SECOND +
    (recordsPerGb / input.recordsPerBatch) * LAMBDA_REQUEST;
  const stagesSeconds = recordsPerGb / input.stagesRowsPerSec;
  const stages = stagesSeconds * (input.stagesMemoryMb / 1024) * LAMBDA_ARM_GB_SECOND;
  const billedPerRecord =
    Math.ceil(input.bytesPerRecord / FIREHOSE_RECORD_UNIT_BYTES) * FIREHOSE_RECORD_UNIT_BYTES;
  const convertedGb = (recordsPerGb * billedPerRecord) / GB;
  const firehoseFlat = FIREHOSE_INGEST_GB + FIREHOSE_CONVERT_GB + FIREHOSE_PARTITION_GB;
  const firehose = FIREHOSE_INGEST_GB + convertedGb * FIREHOSE_CONVERT_GB + FIREHOSE_PARTITION_GB;
  const usd = (x: number) => `$${x.toFixed(4)}`;
  return [
    {
      what: "lakestream ingest (Lambda arm64)",
      usdPerGb: ingest,
      basis: `${(ingestSeconds / 60).toFixed(1)} vCPU-min/GB at ${Math.round(input.coreRecordsPerSec).toLocaleString()} rec/s, ${usd(LAMBDA_ARM_GB_SECOND * 1e5)} per 100k GB-s`,
    },
    {
      what: "lakestream ingest + stages",
      usdPerGb: ingest + stages,
      basis: `stages ${(stagesSeconds / 60).toFixed(1)} min/GB at ${input.stagesMemoryMb} MB (compaction, gold tables, Iceberg commits)`,
    },
    {
      what: "Firehose, per-GB prices only",
      usdPerGb: firehoseFlat,
      basis: `ingest ${usd(FIREHOSE_INGEST_GB)} + Parquet ${usd(FIREHOSE_CONVERT_GB)} + partitioning ${usd(FIREHOSE_PARTITION_GB)} per GB (+ per-object fees)`,
    },
    {
      what: `Firehose, ${Math.round(input.bytesPerRecord)}-byte records`,
      usdPerGb: firehose,
      basis: `Parquet conversion billed per record rounded up to 5 KB: ${convertedGb.toFixed(1)} GB billed per GB`,
    },
  ];
}
