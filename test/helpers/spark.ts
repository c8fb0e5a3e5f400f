import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { RestCatalogEndpoint } from "./catalogs.ts";
import { interopPython, type PythonRunOptions, type PythonScript, runPython } from "./python.ts";

/**
 * An Iceberg catalog in the Spark session, as `spark.sql.catalog.<name>`:
 * - rest: one of the REST catalog servers (S3FileIO on S3Proxy when it has an S3 warehouse);
 * - hadoop: a path-based catalog over a local folder (tables are `<warehouse>/<ns>/<table>` with
 *   `metadata/v<N>.metadata.json` and `version-hint.text`).
 * Any table can also be read without a catalog by its metadata file or folder:
 * `spark.read.format("iceberg").load("/…/metadata/00001-….metadata.json")`.
 */
export type SparkCatalog =
  | { name: string; kind: "rest"; endpoint: RestCatalogEndpoint }
  | { name: string; kind: "hadoop"; warehouse: string };

export interface SparkRunOptions extends PythonRunOptions {
  catalogs?: SparkCatalog[];
  /** Extra Spark settings, applied last. */
  conf?: Record<string, string>;
}

/** Folder of the jars Spark needs for Iceberg (test/services/python.sh fetches them). */
export function sparkJarsDir(): string {
  return process.env.LAKESTREAM_SPARK_JARS ?? resolve(import.meta.dirname, "../../.services/spark-jars");
}

function sparkJars(): string {
  const dir = sparkJarsDir();
  const jars = readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".jar"))
    .map((f) => join(dir, f));
  if (jars.length === 0) throw new Error(`No jars in ${dir}: run \`bash test/services/python.sh install\``);
  return jars.join(",");
}

function catalogConf(catalog: SparkCatalog): Record<string, string> {
  const prefix = `spark.sql.catalog.${catalog.name}`;
  if (catalog.kind === "hadoop") {
    return {
      [prefix]: "org.apache.iceberg.spark.SparkCatalog",
      [`${prefix}.type`]: "hadoop",
      [`${prefix}.warehouse`]: catalog.warehouse,
    };
  }
  const { endpoint } = catalog;
  const conf: Record<string, string> = {
    [prefix]: "org.apache.iceberg.spark.SparkCatalog",
    [`${prefix}.type`]: "rest",
    [`${prefix}.uri`]: endpoint.uri,
    [`${prefix}.warehouse`]: endpoint.kind === "disk" ? `file://${endpoint.warehouse}` : endpoint.warehouse,
  };
  if (endpoint.s3) {
    Object.assign(conf, {
      [`${prefix}.io-impl`]: "org.apache.iceberg.aws.s3.S3FileIO",
      [`${prefix}.s3.endpoint`]: endpoint.s3.endpoint,
      [`${prefix}.s3.path-style-access`]: "true",
      [`${prefix}.s3.access-key-id`]: endpoint.s3.accessKeyId,
      [`${prefix}.s3.secret-access-key`]: endpoint.s3.secretAccessKey,
      [`${prefix}.client.region`]: endpoint.s3.region,
    });
  }
  return conf;
}

/**
 * The Spark settings for a run: local mode on 127.0.0.1 only, small memory, fast JVM start, one shuffle
 * partition (the machine is shared), UTC, the Iceberg SQL extensions, the jars from
 * .services/spark-jars (nothing downloaded at run time), and the given catalogs.
 */
export function sparkConf(catalogs: SparkCatalog[], workDir: string): Record<string, string> {
  return {
    "spark.master": "local[2]",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.memory": "768m",
    // C1 only and the serial collector: the JVM starts about twice as fast on two busy cores,
    // and test tables are too small for C2 to pay off.
    "spark.driver.extraJavaOptions": "-XX:+UseSerialGC -XX:TieredStopAtLevel=1",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "1",
    "spark.default.parallelism": "2",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.warehouse.dir": join(workDir, "spark-warehouse"),
    "spark.local.dir": join(workDir, "tmp"),
    "spark.jars": sparkJars(),
    "spark.sql.extensions": "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
    ...Object.assign({}, ...catalogs.map(catalogConf)),
  };
}

/**
 * Runs a PySpark script (see runPython) whose `lakestream_interop.spark_session()` returns a
 * session with the given catalogs. Each run starts its own JVM (about 10 s here): put a test's
 * Spark work in one script.
 */
export async function runSpark<T>(script: PythonScript, options: SparkRunOptions = {}): Promise<T> {
  const workDir = mkdtempSync(join(tmpdir(), "lakestream-spark-"));
  try {
    const conf = { ...sparkConf(options.catalogs ?? [], workDir), ...options.conf };
    return await runPython<T>(script, {
      ...options,
      cwd: options.cwd ?? workDir,
      env: {
        SPARK_LOCAL_IP: "127.0.0.1",
        PYSPARK_PYTHON: interopPython(),
        LAKESTREAM_SPARK_CONF: JSON.stringify(conf),
        ...options.env,
      },
    });
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
