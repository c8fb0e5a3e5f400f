import { type RecordCoordinates, RecordError } from "../../core/errors.ts";
import type { RawRecord } from "../../core/kafka-decode.ts";
import { ENVELOPE_OVERHEAD, PARTITION_OVERHEAD } from "./batcher.ts";
import type { ResolvedEventSourceConfig } from "./config.ts";
import { FailureCondition, type OnFailureDestination } from "./destination.ts";

/** A record too large for any invocation (Lambda's 6 MB payload cap) and no destination to keep it. */
export class RecordTooLargeError extends RecordError {
  override readonly name = "RecordTooLargeError";
  constructor(coordinates: RecordCoordinates, size: number, cap: number) {
    super(coordinates, `record of ~${size} bytes cannot fit an invocation payload of ${cap} bytes`);
  }
}

/** True when a batch is one record that alone exceeds the payload cap (the batcher hands those out alone). */
export function isOversized(
  records: readonly RawRecord[],
  firstSize: number,
  config: ResolvedEventSourceConfig,
): boolean {
  return records.length === 1 && firstSize + ENVELOPE_OVERHEAD + PARTITION_OVERHEAD > config.maxPayloadBytes;
}

/**
 * No invocation can carry the record, so it goes straight to the on-failure destination. Without
 * one there is nowhere to keep it: the event source stops with RecordTooLargeError and commits
 * nothing past it, rather than dropping it.
 */
export async function divertOversized(
  record: RawRecord,
  size: number,
  config: ResolvedEventSourceConfig,
  destination: OnFailureDestination | undefined,
): Promise<void> {
  if (!destination) throw new RecordTooLargeError(record, size, config.maxPayloadBytes);
  await destination.send([record], {
    condition: FailureCondition.PayloadTooLarge,
    approximateInvokeCount: 0,
  });
}
