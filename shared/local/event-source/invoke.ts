import type { Context } from "aws-lambda";
import type { RawRecord } from "../../core/kafka-decode.ts";
import { encodeKafkaEvent } from "../../core/kafka-encode.ts";
import type { KafkaEvent } from "../../core/kafka-event.ts";
import { lambdaLikeContext } from "../lambda-context.ts";
import type { ResolvedEventSourceConfig } from "./config.ts";
import { FailureCondition, type FailureInfo, type OnFailureDestination } from "./destination.ts";
import { type InvocationResult, interpretResponse } from "./response.ts";

/** The function under the mapping: the ingest handler, or any test handler. */
export type KafkaHandler = (event: KafkaEvent, context: Context) => Promise<unknown>;

export interface InvokeDeps {
  readonly config: ResolvedEventSourceConfig;
  readonly handler: KafkaHandler;
  readonly destination?: OnFailureDestination;
  readonly now?: () => number;
  /** Resolves after `ms`, or early when the event source stops. */
  readonly sleep: (ms: number) => Promise<void>;
  readonly stopping: () => boolean;
  readonly onEvent?: (e: InvokeEvent) => void;
}

/** What happened, for logs and stats; never carries payloads. */
export type InvokeEvent =
  | {
      readonly type: "invoked";
      readonly records: number;
      readonly outcome: InvocationResult["kind"];
      readonly ms: number;
    }
  | { readonly type: "bisected"; readonly records: number }
  | {
      readonly type: "retry";
      readonly records: number;
      readonly attempt: number;
      /** Error name and message (never record contents); absent for a partial batch response. */
      readonly error?: string;
    }
  | { readonly type: "destination"; readonly records: number; readonly condition: FailureCondition };

/** Records done (the function succeeded on them, or they are at the destination) and whether the batch was cut short by a stop. */
export interface BatchOutcome {
  readonly done: ReadonlySet<RawRecord>;
  readonly aborted: boolean;
}

interface WorkItem {
  readonly records: readonly RawRecord[];
  readonly attempts: number;
}

/**
 * Runs one batch through the function with Lambda's error handling for Kafka mappings:
 * - a function error or timeout fails the whole batch; without a partial response Lambda
 *   retries the same records;
 * - ReportBatchItemFailures: Lambda "retries only the failed records", from the lowest failed
 *   offset of each reported topic-partition; earlier records and other partitions are done;
 * - BisectBatchOnFunctionError: a failed batch is split in two and each half retried
 *   separately; a split does not count as a retry attempt (as for Kinesis/DynamoDB streams);
 * - MaximumRetryAttempts / MaximumRecordAgeInSeconds: records past either go to the on-failure
 *   destination (or are discarded without one, as Lambda does) and processing moves on.
 * Halves and retries run in order, so each partition is still processed in offset order.
 */
export async function runBatch(batch: readonly RawRecord[], deps: InvokeDeps): Promise<BatchOutcome> {
  const { config } = deps;
  const now = deps.now ?? Date.now;
  const done = new Set<RawRecord>();
  const queue: WorkItem[] = [{ records: batch, attempts: 0 }];
  const emit = deps.onEvent ?? (() => {});

  const toDestination = async (records: readonly RawRecord[], failure: FailureInfo): Promise<boolean> => {
    emit({ type: "destination", records: records.length, condition: failure.condition });
    if (deps.destination) {
      // The destination must take the records before they count as done: retry it until it
      // does, or until a stop, in which case they stay uncommitted and come back on restart.
      for (let attempt = 0; ; attempt++) {
        if (deps.stopping()) return false;
        try {
          await deps.destination.send(records, failure);
          break;
        } catch {
          await deps.sleep(backoff(config, attempt));
        }
      }
    }
    for (const r of records) done.add(r);
    return true;
  };

  while (queue.length > 0) {
    if (deps.stopping()) return { done, aborted: true };
    const item = queue[0]!;
    let records = item.records;
    if (config.maximumRecordAgeInSeconds >= 0) {
      const oldest = now() - config.maximumRecordAgeInSeconds * 1000;
      const expired = records.filter((r) => r.timestamp < oldest);
      if (expired.length > 0) {
        const failure = {
          condition: FailureCondition.RecordAgeExceeded,
          approximateInvokeCount: item.attempts,
        };
        if (!(await toDestination(expired, failure))) return { done, aborted: true };
        records = records.filter((r) => r.timestamp >= oldest);
        if (records.length === 0) {
          queue.shift();
          continue;
        }
      }
    }
    const started = now();
    const result = await invokeOnce(records, deps);
    emit({ type: "invoked", records: records.length, outcome: result.kind, ms: now() - started });
    if (result.kind === "success") {
      for (const r of records) done.add(r);
      queue.shift();
      continue;
    }
    let remaining = records;
    let attempts = item.attempts;
    if (result.kind === "partial") {
      const resumeAt = result.resumeAt;
      const failed = (r: RawRecord) => r.offset >= (resumeAt.get(`${r.topic}-${r.partition}`) ?? Infinity);
      remaining = records.filter(failed);
      for (const r of records) if (!failed(r)) done.add(r);
      attempts++;
    } else if (config.bisectBatchOnFunctionError && records.length > 1) {
      const mid = Math.ceil(records.length / 2);
      queue.splice(
        0,
        1,
        { records: records.slice(0, mid), attempts },
        { records: records.slice(mid), attempts },
      );
      emit({ type: "bisected", records: records.length });
      continue;
    } else {
      attempts++;
    }
    const error = result.kind === "error" ? result.error : undefined;
    if (attempts > config.retryLimit) {
      const failure: FailureInfo = {
        condition: FailureCondition.RetryAttemptsExhausted,
        approximateInvokeCount: attempts,
        ...(error
          ? { error }
          : { error: { name: "PartialBatchFailure", message: "reported in batchItemFailures" } }),
      };
      if (!(await toDestination(remaining, failure))) return { done, aborted: true };
      queue.shift();
      continue;
    }
    emit({
      type: "retry",
      records: remaining.length,
      attempt: attempts,
      ...(error ? { error: `${error.name}: ${error.message}`.slice(0, 500) } : {}),
    });
    queue[0] = { records: remaining, attempts };
    await deps.sleep(backoff(config, attempts - 1));
  }
  return { done, aborted: false };
}

/** Exponential backoff from the configured initial delay, capped. */
function backoff(config: ResolvedEventSourceConfig, attempt: number): number {
  const { initial, max } = config.retryBackoffMs;
  return Math.min(max, initial * 2 ** Math.min(attempt, 20));
}

/** One invocation: builds the event exactly as Lambda would, applies the function timeout. */
async function invokeOnce(records: readonly RawRecord[], deps: InvokeDeps): Promise<InvocationResult> {
  const { config } = deps;
  const event = encodeKafkaEvent(records, {
    eventSource: config.eventSource,
    eventSourceArn: config.eventSourceArn,
    bootstrapServers: config.connection.brokers.join(","),
  });
  const timeoutMs = config.functionTimeoutSeconds * 1000;
  const context = lambdaLikeContext("lakestream-local", timeoutMs);
  let timer: NodeJS.Timeout | undefined;
  try {
    const response = await Promise.race([
      deps.handler(event, context),
      new Promise<never>((_, reject) => {
        const timedOut = new Error(`Task timed out after ${config.functionTimeoutSeconds} seconds`);
        timedOut.name = "Sandbox.Timedout";
        timer = setTimeout(() => reject(timedOut), timeoutMs);
      }),
    ]);
    return interpretResponse(response, records, config.reportBatchItemFailures);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    return { kind: "error", error: { name: err.name, message: err.message } };
  } finally {
    clearTimeout(timer);
  }
}
