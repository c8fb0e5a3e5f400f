import type { Consumer, TopicPartitionOffset } from "kafkajs";
import { describe, expect, it } from "vitest";
import type { RawRecord } from "../../shared/core/kafka-decode.ts";
import { CommitNotConfirmedError, commitConfirmed } from "../../shared/local/event-source/consumer.ts";
import { OffsetCommits } from "../../shared/local/event-source/offset-commits.ts";

const rec = (partition: number, offset: number): RawRecord => ({
  topic: "t",
  partition,
  offset,
  timestamp: 0,
  timestampType: "CREATE_TIME",
  key: null,
  value: null,
  headers: [],
});

/**
 * The parts of a kafkajs consumer that commitConfirmed uses, behaving as kafkajs 2.2 does:
 * COMMIT_OFFSETS is emitted (offsets as Long) after the coordinator acknowledged the commit,
 * and `commitOffsets` resolves without sending anything while the runner is not running.
 */
function fakeConsumer(state: { running: boolean; acknowledge?: (o: TopicPartitionOffset) => boolean }) {
  const listeners = new Set<(e: unknown) => void>();
  const sent: TopicPartitionOffset[][] = [];
  const consumer = {
    events: { COMMIT_OFFSETS: "consumer.commit_offsets" },
    on: (_name: string, listener: (e: unknown) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    commitOffsets: async (offsets: TopicPartitionOffset[]) => {
      if (!state.running) return; // kafkajs Runner#commitOffsets: "consumer not running, exiting"
      sent.push(offsets);
      const acked = offsets.filter((o) => state.acknowledge?.(o) ?? true);
      const topics = [...new Set(acked.map((o) => o.topic))].map((topic) => ({
        topic,
        partitions: acked
          .filter((o) => o.topic === topic)
          .map((o) => ({ partition: o.partition, offset: { toString: () => o.offset } })),
      }));
      for (const l of listeners)
        l({ payload: { groupId: "g", memberId: "m", groupGenerationId: 1, topics } });
    },
  };
  return { consumer: consumer as unknown as Consumer, sent, listeners };
}

const offset = (partition: number, at: number): TopicPartitionOffset => ({
  topic: "t",
  partition,
  offset: String(at),
});

describe("commitConfirmed: a commit counts only when the coordinator acknowledged it", () => {
  it("resolves when kafkajs reports the commit", async () => {
    const f = fakeConsumer({ running: true });
    await commitConfirmed(f.consumer, [offset(0, 10), offset(1, 5)]);
    expect(f.sent).toEqual([[offset(0, 10), offset(1, 5)]]);
    expect(f.listeners.size).toBe(0);
  });

  it("throws when kafkajs returns without committing (consumer crashed, restarting or rejoining)", async () => {
    const f = fakeConsumer({ running: false });
    await expect(commitConfirmed(f.consumer, [offset(0, 10)])).rejects.toBeInstanceOf(
      CommitNotConfirmedError,
    );
    expect(f.listeners.size).toBe(0);
  });

  it("throws when only some partitions were acknowledged", async () => {
    const f = fakeConsumer({ running: true, acknowledge: (o) => o.partition === 0 });
    await expect(commitConfirmed(f.consumer, [offset(0, 10), offset(1, 5)])).rejects.toThrow(
      /1 partition offset\(s\) not committed/,
    );
  });
});

describe("OffsetCommits: offsets stay pending until a commit is confirmed", () => {
  it("keeps everything after a failed commit and commits the newest offsets once the consumer is back", async () => {
    const state = { running: false };
    const f = fakeConsumer(state);
    const commit = (o: TopicPartitionOffset[]) => commitConfirmed(f.consumer, o);
    const assigned = new Set(["t-0", "t-1"]);
    const commits = new OffsetCommits();
    const first = [rec(0, 0), rec(0, 1), rec(1, 0)];
    commits.queue(first, new Set(first));
    await expect(commits.flush(commit, assigned)).rejects.toBeInstanceOf(CommitNotConfirmedError);
    expect(commits.size).toBe(2);
    // Processing goes on while the consumer is away; the next batch moves partition 0 on.
    const second = [rec(0, 2)];
    commits.queue(second, new Set(second));
    await expect(commits.flush(commit, assigned)).rejects.toBeInstanceOf(CommitNotConfirmedError);
    state.running = true;
    const committed = await commits.flush(commit, assigned);
    expect(committed).toEqual(
      new Map([
        ["t-0", 3],
        ["t-1", 1],
      ]),
    );
    expect(f.sent).toEqual([[offset(0, 3), offset(1, 1)]]);
    expect(commits.size).toBe(0);
  });

  it("moves a partition only past the records done before its first failure, and drops partitions no longer assigned", async () => {
    const f = fakeConsumer({ running: true });
    const commits = new OffsetCommits();
    const batch = [rec(0, 0), rec(0, 1), rec(0, 2), rec(1, 7)];
    commits.queue(batch, new Set([batch[0]!, batch[2]!, batch[3]!]));
    const committed = await commits.flush((o) => commitConfirmed(f.consumer, o), new Set(["t-0"]));
    expect(committed).toEqual(new Map([["t-0", 1]]));
    expect(f.sent).toEqual([[offset(0, 1)]]);
    expect(commits.size).toBe(0);
  });
});
