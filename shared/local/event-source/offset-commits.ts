import type { TopicPartitionOffset } from "kafkajs";
import type { RawRecord } from "../../core/kafka-decode.ts";

/**
 * The offsets to commit, per topic-partition. A partition's offset moves only past records
 * the handler finished, in order, so a commit never skips a record that failed or was cut
 * short by a stop ("After successful processing, your Kafka topic is committed").
 */
export class OffsetCommits {
  readonly #pending = new Map<string, number>();

  /** Records the batch's finished prefix of each partition. */
  queue(records: readonly RawRecord[], done: ReadonlySet<RawRecord>): void {
    const blocked = new Set<string>();
    for (const r of records) {
      const tp = `${r.topic}-${r.partition}`;
      if (blocked.has(tp)) continue;
      if (!done.has(r)) {
        blocked.add(tp);
        continue;
      }
      this.#pending.set(tp, r.offset + 1);
    }
  }

  /**
   * Commits what is pending for partitions this member still owns (a revoked partition's new
   * owner reads from the last commit, so ours is dropped). `commit` must resolve only once the
   * broker acknowledged the offsets (see commitConfirmed): what is dropped here is gone, and
   * the event source never fetches those records again while it runs. On failure (rebalance,
   * broker restart, consumer restarting) everything stays pending for the next call.
   */
  async flush(
    commit: (offsets: TopicPartitionOffset[]) => Promise<void>,
    assigned: ReadonlySet<string>,
  ): Promise<Map<string, number>> {
    const committed = new Map<string, number>();
    if (this.#pending.size === 0) return committed;
    const sent = new Map(this.#pending);
    const offsets = [...sent]
      .filter(([tp]) => assigned.has(tp))
      .map(([tp, offset]) => {
        const i = tp.lastIndexOf("-");
        committed.set(tp, offset);
        return { topic: tp.slice(0, i), partition: Number(tp.slice(i + 1)), offset: String(offset) };
      });
    if (offsets.length > 0) await commit(offsets);
    // Only what was sent (or dropped as no longer ours) is settled; an offset queued while the
    // commit was in flight stays pending.
    for (const [tp, offset] of sent) if (this.#pending.get(tp) === offset) this.#pending.delete(tp);
    return committed;
  }

  /** Partitions with an offset not yet committed. */
  get size(): number {
    return this.#pending.size;
  }
}
