import type { WindowConfig } from "../pipeline/types.ts";

/**
 * Event-time window math. Everything is a pure function of instants (epoch millis) so plan,
 * compact and aggregate agree on which partition and window an event belongs to, on any
 * machine and in any run. Windows are aligned to the epoch, as Spark's `window()` is.
 */

export const MINUTE_MS = 60_000;
export const GRANULARITY_MS = { hour: 3_600_000, day: 86_400_000 } as const;
export type Granularity = keyof typeof GRANULARITY_MS;

/** A half-open window [start, end) in epoch millis. */
export interface Window {
  readonly start: number;
  readonly end: number;
}

export interface WindowSpec {
  readonly sizeMs: number;
  readonly slideMs: number;
}

/** Tumbling when `slideMinutes` is omitted. */
export function windowSpec(config: WindowConfig): WindowSpec {
  return {
    sizeMs: config.sizeMinutes * MINUTE_MS,
    slideMs: (config.slideMinutes ?? config.sizeMinutes) * MINUTE_MS,
  };
}

/** Every window holding instant `t`, oldest first: one for tumbling, size/slide for hopping. */
export function windowsContaining(t: number, { sizeMs, slideMs }: WindowSpec): Window[] {
  const out: Window[] = [];
  for (let start = Math.floor(t / slideMs) * slideMs; start > t - sizeMs; start -= slideMs) {
    out.push({ start, end: start + sizeMs });
  }
  return out.reverse();
}

/**
 * Windows whose end lies in (from, to]. A partition owns exactly the windows ending inside it,
 * so every window has one owner and is computed by one Map iteration, even when it spans
 * partitions (hopping windows, windows longer than a partition).
 */
export function windowsEndingIn(from: number, to: number, { sizeMs, slideMs }: WindowSpec): Window[] {
  const out: Window[] = [];
  const first = Math.floor((from - sizeMs) / slideMs) + 1;
  const last = Math.floor((to - sizeMs) / slideMs);
  for (let k = first; k <= last; k++) out.push({ start: k * slideMs, end: k * slideMs + sizeMs });
  return out;
}

/** `dt=YYYY-MM-DD[/hour=HH]` of the partition holding instant `ms`. */
export function timePartitionOf(ms: number, granularity: Granularity): string {
  const iso = new Date(ms).toISOString();
  return granularity === "hour"
    ? `dt=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}`
    : `dt=${iso.slice(0, 10)}`;
}

/** The time part of a partition path (drops value-column segments). */
export function timePartitionOfPath(path: string, granularity: Granularity): string {
  return path
    .split("/")
    .slice(0, granularity === "hour" ? 2 : 1)
    .join("/");
}

/** Start and end of the time partition a path names. */
export function partitionBounds(timePath: string, granularity: Granularity): Window {
  const m = /^dt=(\d{4}-\d{2}-\d{2})(?:\/hour=(\d{2}))?$/.exec(timePath);
  if (!m || (granularity === "hour") !== (m[2] !== undefined)) {
    throw new RangeError(`not a ${granularity} partition path: ${timePath}`);
  }
  const start = Date.parse(`${m[1]}T${m[2] ?? "00"}:00:00Z`);
  return { start, end: start + GRANULARITY_MS[granularity] };
}

/** Time partitions overlapping [from, to), oldest first. */
export function timePartitionsOverlapping(from: number, to: number, granularity: Granularity): string[] {
  const step = GRANULARITY_MS[granularity];
  const out: string[] = [];
  for (let t = Math.floor(from / step) * step; t < to; t += step) out.push(timePartitionOf(t, granularity));
  return out;
}

/** The time partitions whose rows the windows owned by `owner` read (always including `owner`). */
export function inputPartitionsOfOwner(owner: string, granularity: Granularity, spec: WindowSpec): string[] {
  const { start, end } = partitionBounds(owner, granularity);
  const windows = windowsEndingIn(start, end, spec);
  const from = Math.min(start, ...windows.map((w) => w.start));
  return timePartitionsOverlapping(from, end, granularity);
}

/** The partitions owning a window that overlaps data partition `path` (always including `path`). */
export function ownersOfDataPartition(path: string, granularity: Granularity, spec: WindowSpec): string[] {
  const { start, end } = partitionBounds(path, granularity);
  const lastStart = Math.floor((end - 1) / spec.slideMs) * spec.slideMs;
  return timePartitionsOverlapping(start, lastStart + spec.sizeMs, granularity);
}
