import { type ChildProcess, spawn } from "node:child_process";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Kafka } from "kafkajs";
import { expect } from "vitest";
import { groupLag } from "../../shared/local/event-source/kafka-helpers.ts";
import { sampleRecord } from "../../shared/local/sample-records.ts";
import { queryDuckDb, sqlString } from "../helpers/duckdb.ts";
import { kafkaBrokers } from "../helpers/services.ts";
import { kafka } from "./kafka-test-kit.ts";

const BIN = fileURLToPath(new URL("../../bin/lakestream.js", import.meta.url));

/** Starts `lakestream <args>` with the test's Node 24; output is collected for assertions. */
export function lakestream(
  args: string[],
  brokers: readonly string[] = kafkaBrokers(),
): {
  child: ChildProcess;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** What the process wrote so far, while it runs. */
  output: () => { stdout: string; stderr: string };
} {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, LAKESTREAM_KAFKA_BROKERS: brokers.join(",") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => (stdout += d));
  child.stderr?.on("data", (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done, output: () => ({ stdout, stderr }) };
}

/**
 * Waits for a `lakestream` process to exit, at most `ms`. When it does not, it is killed and the
 * error carries the tail of its stderr plus whatever `context` adds (e.g. the group's lag), so a
 * hang shows what the process was doing instead of ending as a bare test timeout.
 */
export async function exitWithin(
  proc: ReturnType<typeof lakestream>,
  ms: number,
  context?: () => Promise<string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), Math.max(0, ms));
  });
  const result = await Promise.race([proc.done, timeout]);
  clearTimeout(timer);
  if (result !== "timeout") return result;
  const extra = context ? await context().catch((e: Error) => `(context unavailable: ${e.message})`) : "";
  proc.child.kill("SIGKILL");
  const { stdout, stderr } = await proc.done;
  const tail = (text: string, lines: number) => text.split("\n").filter(Boolean).slice(-lines).join("\n");
  throw new Error(
    `lakestream ${proc.child.spawnargs.slice(2).join(" ")} did not exit within ${ms} ms (killed)` +
      (extra ? `\n${extra}` : "") +
      `\n--- stdout (tail) ---\n${tail(stdout, 10)}\n--- stderr (tail) ---\n${tail(stderr, 60)}`,
  );
}

export async function cli(args: string[], brokers?: readonly string[]): Promise<string> {
  const { code, stdout, stderr } = await lakestream(args, brokers).done;
  if (code !== 0) throw new Error(`lakestream ${args.join(" ")} exited ${code}: ${stderr}`);
  return stdout;
}

/** What `produce --count n --bad-every k` wrote, from the deterministic sample generator. */
export function expected(n: number, badEvery: number, start = 0) {
  const good = new Set<string>();
  const bad = new Map<number, Uint8Array>();
  let bots = 0;
  let cents = 0;
  for (let i = start; i < start + n; i++) {
    const isBad = (i + 1) % badEvery === 0;
    const r = sampleRecord(i, isBad);
    if (isBad) bad.set(i, r.value);
    else if (r.bot) bots++;
    else {
      good.add(`e-${i.toString(36).padStart(8, "0")}`);
      cents += r.amountCents;
    }
  }
  return { good, bad, bots, cents };
}

/** Rows of the raw table read by DuckDB with Hive partitioning, plus their lineage. */
export async function lakeRows(lake: string) {
  const glob = sqlString(join(lake, "clickstream_events", "**", "*.parquet"));
  const [totals] = await queryDuckDb(
    `SELECT count(*) AS n, count(DISTINCT event_id) AS ids, count(DISTINCT (_partition, _offset)) AS offsets,
            count(DISTINCT dt) AS days FROM read_parquet(${glob}, hive_partitioning = true)`,
  );
  // Sum over one row per source offset: raw files may overlap after a crash, published tables may not.
  const [sum] = await queryDuckDb(
    `SELECT sum(amount) AS amount FROM (SELECT DISTINCT _partition, _offset, amount FROM read_parquet(${glob}, hive_partitioning = true))`,
  );
  const ids = await queryDuckDb(
    `SELECT DISTINCT event_id FROM read_parquet(${glob}, hive_partitioning = true)`,
  );
  return {
    rows: Number(totals?.n),
    distinctIds: Number(totals?.ids),
    distinctOffsets: Number(totals?.offsets),
    cents: Math.round(Number(sum?.amount ?? 0) * 100),
    ids: new Set(ids.map((r) => String(r.event_id))),
  };
}

/** Every quarantine line of the lake: sample number (from the header) and original value bytes. */
export async function quarantined(lake: string) {
  const root = join(lake, "_quarantine");
  const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith(".jsonl"));
  const out = new Map<number, { value: Uint8Array; partition: number; offset: number }>();
  for (const f of files) {
    for (const line of (await readFile(join(root, f), "utf8")).split("\n").filter(Boolean)) {
      const q = JSON.parse(line);
      const sample = q.headers.find((h: { key: string }) => h.key === "lakestream.sample");
      const i = Number(Buffer.from(sample.value, "base64").toString());
      out.set(i, { value: Buffer.from(q.value, "base64"), partition: q.partition, offset: q.offset });
    }
  }
  return out;
}

export async function lagOf(groupId: string, topic: string, client: Kafka = kafka): Promise<number[]> {
  const admin = client.admin();
  await admin.connect();
  try {
    return [...(await groupLag(admin, groupId, [topic])).values()];
  } finally {
    await admin.disconnect();
  }
}

/** Total records in the topic (sum of high watermarks), to check that lineage covers every offset. */
export async function topicSize(topic: string, client: Kafka = kafka): Promise<number> {
  const admin = client.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/** `lakestream run` on one topic with its own group and lake, as every runner test starts it. */
export function runArgs(o: {
  topic: string;
  group: string;
  lake: string;
  batchSize?: number;
  untilIdle?: number;
  extra?: readonly string[];
}): string[] {
  return [
    "run",
    "--topic",
    o.topic,
    "--group",
    o.group,
    "--lake",
    o.lake,
    ...(o.batchSize === undefined ? [] : ["--batch-size", String(o.batchSize)]),
    ...(o.untilIdle === undefined ? [] : ["--until-idle", String(o.untilIdle)]),
    "--no-progress",
    ...(o.extra ?? []),
  ];
}

/** Commit records written so far: how far a runner has got. */
export async function commitCount(lake: string): Promise<number> {
  const files = await readdir(join(lake, "_lakestream", "commits"), { recursive: true }).catch(() => []);
  return files.filter((f) => String(f).endsWith(".json")).length;
}

/**
 * The offset ranges of every commit record in the lake, per partition, in the order they were
 * written (each partition is in one invocation at a time, so its records are written one after
 * the other). Only the records whose key is not in `skip` (those of an earlier look).
 */
export async function committedRanges(lake: string, skip: ReadonlySet<string> = new Set()) {
  const root = join(lake, "_lakestream", "commits");
  const files = (await readdir(root, { recursive: true }).catch(() => [] as string[]))
    .map(String)
    .filter((f) => f.endsWith(".json") && !skip.has(f));
  const written = [];
  for (const f of files) {
    const { mtimeNs } = await stat(join(root, f), { bigint: true });
    const { batch } = JSON.parse(await readFile(join(root, f), "utf8")) as {
      batch: { partition: number; first: number; last: number }[];
    };
    for (const r of batch) written.push({ ...r, at: mtimeNs });
  }
  written.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.first - b.first));
  const byPartition = new Map<number, { first: number; last: number }[]>();
  for (const { partition, first, last } of written)
    byPartition.set(partition, [...(byPartition.get(partition) ?? []), { first, last }]);
  return { files: new Set(files), byPartition };
}

/** The group's committed offset per partition (-1 when none). */
export async function committedOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((offsets?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

/**
 * The no-loss check every runner test ends with: each good record of `produce --count n
 * --bad-every k` is in the lake (ids and amounts), each bad one is quarantined, lineage plus
 * quarantine plus filtered bots covers every offset of the topic, and the group's lag is 0.
 * Returns what was read, for the test's own extra checks and figures.
 */
export async function expectEverythingLanded(o: {
  lake: string;
  topic: string;
  group: string;
  n: number;
  badEvery: number;
  partitions: number;
  client?: Kafka;
}) {
  const want = expected(o.n, o.badEvery);
  const rows = await lakeRows(o.lake);
  const bad = await quarantined(o.lake);
  expect(rows.distinctIds).toBe(want.good.size);
  expect(rows.cents).toBe(want.cents);
  expect(bad.size).toBe(want.bad.size);
  expect(rows.distinctOffsets + bad.size + want.bots).toBe(await topicSize(o.topic, o.client));
  expect(await lagOf(o.group, o.topic, o.client)).toEqual(new Array(o.partitions).fill(0));
  return { want, rows, bad };
}
