import type { RawRecord } from "../core/kafka-decode.ts";

/**
 * Deterministic sample clickstream records for `lakestream events`, `produce`, `npm start`,
 * tests and benchmarks. The same index always gives the same record, so runs compare.
 */

const TYPES = ["view", "view", "view", "click", "click", "purchase"] as const;
const PLACES = [
  ["DE", "Berlin"],
  ["FR", "Paris"],
  ["US", "Seattle"],
  ["JP", "Tokyo"],
  ["BR", null],
] as const;
const AGENTS = ["Mozilla/5.0 (X11; Linux)", "Mozilla/5.0 (iPhone; Mobile)", "Mozilla/5.0 (Android; Mobile)"];
const BOT_AGENT = "Googlebot/2.1";

/** Ways a sample record is broken, each caught by a different stage. */
export const BAD_KINDS = ["not-json", "missing-field", "wrong-type", "bad-url", "bad-amount"] as const;

export interface SampleOptions {
  /** Event time of record 0 (epoch ms); records then advance by `spacingMs`. */
  readonly startMs?: number;
  readonly spacingMs?: number;
}

export interface SampleRecord {
  readonly key: string;
  readonly value: Uint8Array;
  /** Event time written into the record (epoch ms). */
  readonly eventTime: number;
  /** The kind of breakage, or undefined for a good record. */
  readonly bad?: (typeof BAD_KINDS)[number];
  readonly bot: boolean;
  /** Amount in cents for good purchases (0 otherwise), for checking sums. */
  readonly amountCents: number;
}

const encoder = new TextEncoder();
export const DEFAULT_START_MS = Date.UTC(2026, 10, 23, 6, 0, 0);

/** The i-th sample record; `bad` makes it one of the broken kinds (rotating). */
export function sampleRecord(i: number, bad = false, options: SampleOptions = {}): SampleRecord {
  const eventTime = (options.startMs ?? DEFAULT_START_MS) + i * (options.spacingMs ?? 1000);
  const type = TYPES[i % TYPES.length]!;
  const place = PLACES[i % PLACES.length]!;
  const bot = !bad && i % 50 === 49;
  const amountCents = type === "purchase" && !bot ? 100 + ((i * 37) % 10_000) : 0;
  const event: Record<string, unknown> = {
    event_id: `e-${i.toString(36).padStart(8, "0")}`,
    user_id: 1000 + (i % 997),
    ts: new Date(eventTime).toISOString(),
    type,
    url: `https://shop.example.com/${type === "purchase" ? "checkout" : "p"}/${i % 100}?ref=${i % 7}`,
    amount: type === "purchase" ? (amountCents / 100).toFixed(2) : null,
    tags: i % 3 === 0 ? ["sale", `cat-${i % 5}`] : [],
    geo: { country: place[0], city: place[1] },
    user_agent: bot ? BOT_AGENT : AGENTS[i % AGENTS.length],
  };
  const key = `user-${event.user_id}`;
  if (!bad) return { key, value: encoder.encode(JSON.stringify(event)), eventTime, bot, amountCents };
  const kind = BAD_KINDS[i % BAD_KINDS.length]!;
  const broken: Record<(typeof BAD_KINDS)[number], () => string> = {
    "not-json": () => `{"event_id": "e-${i}", truncated`,
    "missing-field": () => JSON.stringify({ ...event, event_id: undefined }),
    "wrong-type": () => JSON.stringify({ ...event, user_id: "not-a-number" }),
    "bad-url": () => JSON.stringify({ ...event, url: "not a url" }),
    "bad-amount": () => JSON.stringify({ ...event, type: "purchase", amount: "12.345" }),
  };
  return { key, value: encoder.encode(broken[kind]()), eventTime, bad: kind, bot: false, amountCents: 0 };
}

const keyEncoder = new TextEncoder();

/**
 * A sample record as Kafka delivers it: at the given coordinates, keyed, stamped with its event
 * time (CREATE_TIME) unless the caller gives the broker's append time.
 */
export function sampleKafkaRecord(
  sample: SampleRecord,
  at: {
    readonly topic: string;
    readonly partition: number;
    readonly offset: number;
    readonly timestamp?: number;
    readonly timestampType?: RawRecord["timestampType"];
    readonly headers?: RawRecord["headers"];
  },
): RawRecord {
  return {
    topic: at.topic,
    partition: at.partition,
    offset: at.offset,
    timestamp: at.timestamp ?? sample.eventTime,
    timestampType: at.timestampType ?? "CREATE_TIME",
    key: keyEncoder.encode(sample.key),
    value: sample.value,
    headers: at.headers ?? [],
  };
}
