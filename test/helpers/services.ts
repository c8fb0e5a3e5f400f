import { connect } from "node:net";
import type { S3Client } from "@aws-sdk/client-s3";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { createS3Client } from "../../shared/runtime/s3-client.ts";

/**
 * Where the real services of a test run are. `npm test` (test/services/with-services.sh)
 * starts them and exports these variables; the defaults match the service scripts, so a
 * developer who started them by hand can run `npx vitest` directly.
 */
export function s3Endpoint(): string {
  return process.env.LAKESTREAM_S3_ENDPOINT ?? "http://127.0.0.1:9000";
}

export function kafkaBrokers(): string[] {
  return (process.env.LAKESTREAM_KAFKA_BROKERS ?? "127.0.0.1:9092").split(",").map((b) => b.trim());
}

const HOW_TO_START =
  "Run the tests with `npm test`, which starts the services (test/services/with-services.sh), " +
  "or start them yourself: `bash test/services/s3proxy.sh start`, `bash test/services/kafka.sh start`.";

/** An S3 client for the local server, with the keys the service scripts configure. */
export function testS3Client(): S3Client {
  return createS3Client({
    endpoint: s3Endpoint(),
    region: process.env.AWS_REGION ?? "us-east-1",
    credentials: {
      accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? "lakestream",
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? "lakestream-secret",
    },
    // A local server that is down should fail the test quickly, not after five backoffs.
    maxAttempts: 2,
  });
}

/** Fails with instructions when the S3 server does not answer, instead of an opaque socket error. */
export async function assertS3Ready(): Promise<void> {
  const url = s3Endpoint();
  try {
    await fetch(url, { signal: AbortSignal.timeout(3000) });
  } catch (error) {
    throw new Error(`No S3 server answers at ${url}. ${HOW_TO_START}`, { cause: error });
  }
}

/** Fails with instructions when no Kafka broker accepts connections. */
export async function assertKafkaReady(): Promise<void> {
  const broker = kafkaBrokers()[0] ?? "127.0.0.1:9092";
  const [host = "127.0.0.1", port = "9092"] = broker.split(":");
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host, port: Number(port), timeout: 3000 });
    const fail = (cause?: unknown) => {
      socket.destroy();
      reject(new Error(`No Kafka broker answers at ${broker}. ${HOW_TO_START}`, { cause }));
    };
    socket.once("connect", () => {
      socket.end();
      resolve();
    });
    socket.once("timeout", () => fail());
    socket.once("error", fail);
  });
}

let bucketCounter = 0;

/**
 * Creates a bucket no other test uses, on the real S3 server, and returns its name. Tests
 * never share state through a bucket, so they may run in any order and leave data behind
 * for inspection (under .services/s3proxy/data/).
 */
export async function freshBucket(prefix: string): Promise<string> {
  await assertS3Ready();
  const stem = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .slice(0, 30);
  const unique = `${Date.now().toString(36)}-${process.pid.toString(36)}-${(bucketCounter++).toString(36)}`;
  const bucket = `${stem}-${unique}`.replace(/^-+/, "t-").slice(0, 63);
  await testS3Client().send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}
