import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { ConfigError } from "../../shared/core/errors.ts";
import { pipelineByName } from "../../shared/pipelines/index.ts";
import { parseHandlerEnv } from "../../shared/runtime/env.ts";
import { DEFAULT_UNIT_BYTES } from "../../shared/runtime/files/file-plan.ts";
import { createFileQueueHandler } from "../../shared/runtime/files/file-queue-handler.ts";
import { createS3Client } from "../../shared/runtime/s3-client.ts";
import { openStore } from "../../shared/storage/open-store.ts";
import { S3SourceFiles } from "../../shared/storage/s3-source-files.ts";

/**
 * Lambda entry point of the file ingest, fed by the SQS queue that EventBridge fills with the
 * source bucket's `Object Created` events. Resolved once at cold start: a wrong setting fails
 * the cold start with the variable named.
 */
const env = parseHandlerEnv();
const pipeline = pipelineByName(env.PIPELINE, "env.PIPELINE");
const files = pipeline.source.files;
if (!files) throw new ConfigError("env.PIPELINE", `pipeline ${pipeline.name} has no source.files`);
const queueUrl = process.env.FILES_QUEUE_URL;
if (!queueUrl) throw new ConfigError("env.FILES_QUEUE_URL", "the queue of this function is required");
const store = env.LAKE_BUCKET
  ? openStore({ bucket: env.LAKE_BUCKET, ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT } : {}) })
  : openStore({ lake: env.LAKE_DIR! });
const s3 = createS3Client(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT } : {});
const sqs = new SQSClient({});
const unitMiB = Number(process.env.FILES_UNIT_MIB ?? DEFAULT_UNIT_BYTES / 1024 / 1024);

export const handler = createFileQueueHandler({
  pipeline,
  store,
  sourceOf: (bucket) => new S3SourceFiles({ client: s3, bucket }),
  settings: {
    ...(files.format ? { format: files.format } : {}),
    ...(files.csv ? { csv: files.csv } : {}),
    unitBytes: unitMiB * 1024 * 1024,
  },
  prefix: files.prefix,
  sendUnits: async (bodies) => {
    for (let i = 0; i < bodies.length; i += 10) {
      const entries = bodies.slice(i, i + 10).map((body, j) => ({ Id: String(i + j), MessageBody: body }));
      const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      // A unit not enqueued fails the event's message: SQS delivers it again and the plan is reused.
      if ((out.Failed ?? []).length > 0) throw new Error(`SQS refused ${out.Failed!.length} unit messages`);
    }
  },
});
