import type { Admin } from "kafkajs";

/**
 * Creates the topic when it does not exist: with `partitions`, else the source topics' largest
 * partition count, so the write-back is as parallel as its source (the broker default is often
 * 1). An existing topic is left as it is. Returns the topic's partition count.
 */
export async function ensureTopic(
  admin: Admin,
  topic: string,
  o: { readonly partitions?: number; readonly sourceTopics?: readonly string[] },
): Promise<number> {
  await admin.connect();
  try {
    const existing = await partitionCount(admin, topic);
    if (existing !== undefined) return existing;
    let count = o.partitions;
    for (const source of count === undefined ? (o.sourceTopics ?? []) : []) {
      count = Math.max(count ?? 1, (await partitionCount(admin, source)) ?? 1);
    }
    // A concurrent creator (another Lambda) wins the race harmlessly: createTopics then returns false.
    await admin.createTopics({
      topics: [{ topic, ...(count === undefined ? {} : { numPartitions: count }) }],
      waitForLeaders: true,
    });
    return (await partitionCount(admin, topic)) ?? count ?? 1;
  } finally {
    await admin.disconnect();
  }
}

async function partitionCount(admin: Admin, topic: string): Promise<number | undefined> {
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return topics[0]?.partitions.length || undefined;
  } catch (e) {
    if ((e as { type?: string }).type === "UNKNOWN_TOPIC_OR_PARTITION") return undefined;
    throw e;
  }
}
