import { definePipeline } from "../core/pipeline/define-pipeline.ts";

/** The JSON a web tracker sends to the `clickstream` topic. */
interface ClickEvent {
  event_id: string;
  user_id: number;
  ts: string;
  type: string;
  url: string;
  amount?: string | number | null;
  tags?: string[];
  geo?: { country: string; city?: string | null };
  user_agent?: string;
}

const BOT = /bot|crawler|spider|headless/i;

/**
 * The example pipeline: web clickstream events → `clickstream_events`, partitioned by
 * event hour. It drops bot traffic (filter), derives the URL's host and path and a
 * mobile flag (map), and keeps money as an exact decimal.
 */
export const clickstream = definePipeline({
  name: "clickstream",
  description: "Web click events, bots removed, partitioned by event hour",
  source: { topics: ["clickstream"], valueFormat: "json", keyFormat: "string" },
  schema: {
    event_id: { type: "string" },
    user_id: { type: "int64" },
    ts: { type: "timestamp" },
    type: { type: "string" },
    url: { type: "string" },
    host: { type: "string" },
    path: { type: "string" },
    amount: { type: "decimal", precision: 12, scale: 2, nullable: true },
    tags: { type: "list", items: { type: "string" } },
    geo: {
      type: "struct",
      fields: { country: { type: "string" }, city: { type: "string", nullable: true } },
    },
    is_mobile: { type: "boolean" },
  },
  transform: ({ value }) => {
    const e = value as ClickEvent;
    if (BOT.test(e.user_agent ?? "")) return null;
    // new URL throws on a malformed URL: the record goes to quarantine with that reason.
    const url = new URL(e.url);
    return {
      event_id: e.event_id,
      user_id: e.user_id,
      ts: e.ts,
      type: e.type,
      url: e.url,
      host: url.host,
      path: url.pathname,
      amount: e.amount ?? null,
      tags: e.tags ?? [],
      geo: { country: e.geo?.country ?? "ZZ", city: e.geo?.city ?? null },
      is_mobile: /mobile|android|iphone/i.test(e.user_agent ?? ""),
    };
  },
  partitioning: { eventTime: { field: "ts" }, granularity: "hour" },
  sink: { table: "clickstream_events", format: "parquet", compression: "zstd", targetFileSizeMiB: 64 },
  quarantine: { prefix: "_quarantine" },
  // At-least-once upstreams (a tracker's retry, a Storm replay, a Flink restart) send an event
  // again at another offset, with its own `ts`: the published and gold tables keep its first
  // delivery only. Ten minutes also covers a client that stamps `ts` anew on each retry.
  dedupe: { key: ["event_id"], withinMinutes: 10 },
  // Gold tables: windowed on event time; records may arrive up to 30 minutes after their window.
  aggregations: {
    allowedLatenessMinutes: 30,
    tables: [
      {
        // Tumbling 15-minute windows: traffic and revenue per event type and country.
        table: "clickstream_by_type_15m",
        window: { sizeMinutes: 15 },
        groupBy: ["type", "geo.country"],
        measures: {
          events: { fn: "count" },
          users: { fn: "countDistinct", column: "user_id" },
          revenue: { fn: "sum", column: "amount" },
          avg_amount: { fn: "avg", column: "amount" },
          min_amount: { fn: "min", column: "amount" },
          max_amount: { fn: "max", column: "amount" },
        },
      },
      {
        // Hopping one-hour windows every 30 minutes: active users, mobile versus desktop.
        table: "clickstream_active_users_1h",
        window: { sizeMinutes: 60, slideMinutes: 30 },
        groupBy: ["is_mobile"],
        measures: {
          events: { fn: "count" },
          users: { fn: "countDistinct", column: "user_id" },
          first_seen: { fn: "min", column: "ts" },
          last_seen: { fn: "max", column: "ts" },
        },
      },
    ],
  },
});
