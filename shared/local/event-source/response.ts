import type { RawRecord } from "../../core/kafka-decode.ts";

/** How Lambda reads what the function returned. */
export type InvocationResult =
  | { readonly kind: "success" }
  /** Per topic-partition, the lowest offset reported failed: retry from there. */
  | { readonly kind: "partial"; readonly resumeAt: ReadonlyMap<string, number> }
  | { readonly kind: "error"; readonly error: { readonly name: string; readonly message: string } };

const invalid = (message: string): InvocationResult => ({
  kind: "error",
  error: { name: "InvalidBatchItemFailures", message },
});

/**
 * Interprets a function response the way Lambda does for stream sources with
 * ReportBatchItemFailures. Complete success: no response, or an empty or null
 * `batchItemFailures`. Complete failure: a null or malformed `itemIdentifier`, a wrong key
 * name, or an identifier that was not in the batch. Otherwise Lambda uses the lowest
 * failed offset of each topic-partition as its checkpoint and retries from there.
 * Kafka's identifier is an object: `{ "partition": "<topic>-<partition>", "offset": <n> }`.
 * Without ReportBatchItemFailures the response is ignored (Lambda does not read it).
 */
export function interpretResponse(
  response: unknown,
  records: readonly RawRecord[],
  enabled: boolean,
): InvocationResult {
  if (!enabled || response === null || response === undefined || typeof response !== "object")
    return { kind: "success" };
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === null || failures === undefined) return { kind: "success" };
  if (!Array.isArray(failures)) return invalid("batchItemFailures must be an array");
  if (failures.length === 0) return { kind: "success" };
  const offsets = new Map<string, Set<number>>();
  for (const r of records) {
    const tp = `${r.topic}-${r.partition}`;
    const set = offsets.get(tp) ?? new Set<number>();
    offsets.set(tp, set);
    set.add(r.offset);
  }
  const resumeAt = new Map<string, number>();
  for (const [i, f] of failures.entries()) {
    const id = (f as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (id === null || typeof id !== "object")
      return invalid(`batchItemFailures[${i}].itemIdentifier must be an object`);
    const { partition, offset } = id as { partition?: unknown; offset?: unknown };
    if (typeof partition !== "string" || typeof offset !== "number" || !Number.isInteger(offset)) {
      return invalid(
        `batchItemFailures[${i}].itemIdentifier needs "partition" (string) and "offset" (integer)`,
      );
    }
    if (!offsets.get(partition)?.has(offset)) {
      return invalid(`batchItemFailures[${i}].itemIdentifier ${partition}@${offset} was not in the batch`);
    }
    resumeAt.set(partition, Math.min(resumeAt.get(partition) ?? offset, offset));
  }
  return { kind: "partial", resumeAt };
}
