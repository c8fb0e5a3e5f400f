import { filePlanKey } from "../../core/files/file-keys.ts";
import { isHiddenPath } from "../../core/files/file-source.ts";
import {
  type ObjectCreated,
  parseQueueMessage,
  type UnitMessage,
  unitMessageBody,
} from "../../core/files/queue-messages.ts";
import type { Pipeline } from "../../core/pipeline/types.ts";
import type { ObjectStore } from "../../storage/object-store.ts";
import type { S3SourceFiles } from "../../storage/s3-source-files.ts";
import { readJson } from "../stages/stage-deps.ts";
import { createFileIngest, type FileIngest, type UnitOutcome } from "./file-ingest.ts";
import type { FilePlan, FileReadSettings } from "./file-plan.ts";

export interface FileQueueDeps {
  readonly pipeline: Pipeline;
  readonly store: ObjectStore;
  /** A source rooted at a bucket (prefix ""), so an object's path is its key. */
  readonly sourceOf: (bucket: string) => S3SourceFiles;
  readonly settings: FileReadSettings;
  /** Only keys under this prefix are the pipeline's files (the EventBridge rule matches it too). */
  readonly prefix: string;
  /** Puts unit messages on the ingest's own queue (SQS SendMessageBatch). */
  readonly sendUnits: (bodies: readonly string[]) => Promise<void>;
}

/** An SQS record as Lambda delivers it; only these fields are read. */
export interface QueueRecord {
  readonly messageId: string;
  readonly body: string;
}

/** What became of one message. */
export interface MessageOutcome {
  readonly messageId: string;
  readonly result: "ingested" | "repeat" | "fanned-out" | "quarantined" | "gone" | "ignored" | "failed";
  readonly uri?: string;
  readonly units?: number;
  readonly records?: number;
  readonly rowsWritten?: number;
  readonly quarantined?: number;
  readonly error?: string;
}

/** Lambda's SQS partial batch response, and the outcome of every message for the logs. */
export interface QueueResult {
  readonly batchItemFailures: { readonly itemIdentifier: string }[];
  readonly outcomes: MessageOutcome[];
}

/**
 * The file ingest behind the SQS queue. An `Object Created` event plans the object version
 * once; a small one is ingested at once, a large one is fanned out as unit messages on the same
 * queue (each a separate, idempotent invocation). A message fails alone (partial batch
 * response): SQS delivers it again, and after the queue's receive limit moves it to the
 * dead-letter queue, which is alarmed. An object deleted or replaced since its event is
 * acknowledged as gone: the event of its new version, if any, brings that one.
 */
export function createFileQueueIngest(
  deps: FileQueueDeps,
): (records: readonly QueueRecord[]) => Promise<QueueResult> {
  const ingests = new Map<string, FileIngest>();
  const ingestOf = (bucket: string) => {
    let i = ingests.get(bucket);
    if (!i) {
      i = createFileIngest({
        pipeline: deps.pipeline,
        store: deps.store,
        source: deps.sourceOf(bucket),
        settings: deps.settings,
      });
      ingests.set(bucket, i);
    }
    return i;
  };

  const objectCreated = async (m: ObjectCreated, messageId: string): Promise<MessageOutcome> => {
    if (!m.key.startsWith(deps.prefix) || isHiddenPath(m.key.slice(deps.prefix.length))) {
      return { messageId, result: "ignored" };
    }
    const ingest = ingestOf(m.bucket);
    const object = deps.sourceOf(m.bucket).announced(m.key, m.etag, m.size, m.time, m.versionId);
    const plan = await ingest.plan(object);
    if (!plan) return { messageId, result: "gone", uri: object.uri };
    if (plan.rejected) return outcome(messageId, plan, [await ingest.reject(plan)]);
    if (plan.units.length === 1)
      return outcome(messageId, plan, [await ingest.runUnit(plan, plan.units[0]!)]);
    await deps.sendUnits(
      plan.units.map((unit) => unitMessageBody({ bucket: m.bucket, key: m.key, topic: plan.topic, unit })),
    );
    return { messageId, result: "fanned-out", uri: object.uri, units: plan.units.length };
  };

  const unitMessage = async (m: UnitMessage, messageId: string): Promise<MessageOutcome> => {
    const plan = await readJson<FilePlan>(deps.store, filePlanKey(deps.pipeline.sink.table, m.topic));
    if (!plan) throw new Error(`no plan in the lake for ${m.topic}`);
    return outcome(messageId, plan, [await ingestOf(m.bucket).runUnit(plan, m.unit)]);
  };

  return async (records) => {
    const outcomes: MessageOutcome[] = [];
    for (const r of records) {
      try {
        const m = parseQueueMessage(r.body);
        outcomes.push(
          m.kind === "object-created"
            ? await objectCreated(m, r.messageId)
            : await unitMessage(m, r.messageId),
        );
      } catch (e) {
        const error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        outcomes.push({ messageId: r.messageId, result: "failed", error });
      }
    }
    return {
      batchItemFailures: outcomes
        .filter((o) => o.result === "failed")
        .map((o) => ({ itemIdentifier: o.messageId })),
      outcomes,
    };
  };
}

function outcome(messageId: string, plan: FilePlan, units: UnitOutcome[]): MessageOutcome {
  const uri = plan.object.uri;
  if (units.some((u) => "gone" in u)) return { messageId, result: "gone", uri };
  const done = units.filter((u): u is Exclude<UnitOutcome, { gone: true }> => !("gone" in u));
  const fresh = done.filter((u) => !u.repeat);
  return {
    messageId,
    result: fresh.length === 0 ? "repeat" : done.some((u) => u.quarantinedWhole) ? "quarantined" : "ingested",
    uri,
    units: done.length,
    records: fresh.reduce((n, u) => n + u.recordsIn, 0),
    rowsWritten: fresh.reduce((n, u) => n + u.rowsWritten, 0),
    quarantined: fresh.reduce((n, u) => n + u.quarantined, 0),
  };
}
