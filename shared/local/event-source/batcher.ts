import type { RawRecord } from "../../core/kafka-decode.ts";

/** A record waiting for its invocation, with the bytes it adds to the event's JSON. */
export interface BufferedRecord {
  readonly record: RawRecord;
  readonly size: number;
}

/** Bytes the record adds to a Lambda event, as an upper bound of its JSON (base64 and byte arrays). */
export function encodedSize(r: RawRecord): number {
  const b64 = (n: number) => 4 * Math.ceil(n / 3);
  let size =
    160 + r.topic.length + (r.key ? b64(r.key.byteLength) : 0) + (r.value ? b64(r.value.byteLength) : 0);
  // Lambda sends each header value as a JSON array of byte values: up to 4 characters a byte.
  for (const h of r.headers) size += 8 + JSON.stringify(h.key).length + 4 * h.value.byteLength;
  return size;
}

/** Per topic-partition key overhead of the event's `records` object ("<topic>-<p>": [ … ]). */
export const PARTITION_OVERHEAD = 300;
/** Event envelope (eventSource, eventSourceArn / bootstrapServers). */
export const ENVELOPE_OVERHEAD = 1024;

interface PartitionQueue {
  readonly tp: string;
  readonly items: BufferedRecord[];
  bytes: number;
  /** The next offset we expect; anything lower is a re-fetch of what we already hold. */
  nextOffset: number;
  /** When its oldest waiting record arrived (undefined when empty). */
  arrival: number | undefined;
}

const NONE: ReadonlySet<string> = new Set();

/**
 * The records fetched but not yet handed to an invocation, per topic-partition, in offset
 * order. It forms batches the way Lambda does: up to `batchSize` records and never more than
 * the payload cap, across partitions, each partition's records in order (Lambda "reads
 * messages sequentially for each Kafka topic partition; a single payload can contain messages
 * from multiple partitions"). Partitions in `busy` (an invocation of theirs is in flight) are
 * left out of every decision, so a partition is never in two invocations at once.
 */
export class PartitionBuffers {
  readonly #queues = new Map<string, PartitionQueue>();
  #rotation = 0;
  #waiters: Array<() => void> = [];

  /** Appends fetched records; re-fetched offsets (after a rejoin or restart) are skipped. Returns how many were new. */
  append(tp: string, records: readonly RawRecord[], now: number): number {
    let q = this.#queues.get(tp);
    if (!q) {
      q = { tp, items: [], bytes: 0, nextOffset: -1, arrival: undefined };
      this.#queues.set(tp, q);
    }
    let added = 0;
    for (const record of records) {
      if (record.offset < q.nextOffset) continue;
      const size = encodedSize(record);
      q.items.push({ record, size });
      q.bytes += size;
      q.nextOffset = record.offset + 1;
      added++;
    }
    if (added > 0) {
      q.arrival ??= now;
      this.#wake();
    }
    return added;
  }

  /** Forgets a partition that was revoked: its new owner reads it from the committed offset. */
  drop(tp: string): void {
    this.#queues.delete(tp);
  }

  partitions(): string[] {
    return [...this.#queues.keys()];
  }

  count(tp?: string): number {
    if (tp !== undefined) return this.#queues.get(tp)?.items.length ?? 0;
    let n = 0;
    for (const q of this.#queues.values()) n += q.items.length;
    return n;
  }

  bytes(tp?: string): number {
    if (tp !== undefined) return this.#queues.get(tp)?.bytes ?? 0;
    let n = 0;
    for (const q of this.#queues.values()) n += q.bytes;
    return n;
  }

  /** When the oldest record of a partition not `busy` arrived: Lambda's batching window runs from there. */
  oldestArrival(busy: ReadonlySet<string> = NONE): number | undefined {
    let oldest: number | undefined;
    for (const q of this.#queues.values()) {
      if (q.arrival === undefined || busy.has(q.tp)) continue;
      if (oldest === undefined || q.arrival < oldest) oldest = q.arrival;
    }
    return oldest;
  }

  /** True when a batch of the partitions not `busy` cannot grow any more: the batch size or the payload cap is reached. */
  isFull(batchSize: number, maxBytes: number, busy: ReadonlySet<string> = NONE): boolean {
    let count = 0;
    let bytes = ENVELOPE_OVERHEAD;
    for (const q of this.#queues.values()) {
      if (q.items.length === 0 || busy.has(q.tp)) continue;
      count += q.items.length;
      bytes += q.bytes + PARTITION_OVERHEAD;
    }
    return count >= batchSize || bytes >= maxBytes;
  }

  /**
   * Takes the next batch: partitions not `busy` in rotating order (so none starves), each
   * contributing its oldest records, until the batch size or the payload cap would be exceeded.
   * A single record larger than the cap comes back alone; the caller must route it elsewhere.
   */
  take(batchSize: number, maxBytes: number, busy: ReadonlySet<string> = NONE): BufferedRecord[] {
    const order = [...this.#queues.values()].filter((q) => q.items.length > 0 && !busy.has(q.tp));
    if (order.length === 0) return [];
    const start = this.#rotation++ % order.length;
    const batch: BufferedRecord[] = [];
    let bytes = ENVELOPE_OVERHEAD;
    outer: for (let i = 0; i < order.length; i++) {
      const q = order[(start + i) % order.length]!;
      let taken = 0;
      while (taken < q.items.length && batch.length < batchSize) {
        const item = q.items[taken]!;
        const extra = item.size + (taken === 0 ? PARTITION_OVERHEAD : 0);
        if (bytes + extra > maxBytes) {
          if (batch.length === 0) {
            batch.push(item);
            taken++;
          }
          this.#consume(q, taken);
          break outer;
        }
        batch.push(item);
        bytes += extra;
        taken++;
      }
      this.#consume(q, taken);
      if (batch.length >= batchSize) break;
    }
    return batch;
  }

  /** What stays behind has waited since before this batch: its window keeps running. */
  #consume(q: PartitionQueue, n: number): void {
    for (const item of q.items.splice(0, n)) q.bytes -= item.size;
    if (q.items.length === 0) q.arrival = undefined;
  }

  /** Resolves on the next append (or after `ms`), so the poll loop sleeps instead of spinning. */
  waitForAppend(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms));
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#waiters.push(done);
    });
  }

  /** Wakes every waiter (new records, an invocation finished, or the event source is stopping). */
  wake(): void {
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
