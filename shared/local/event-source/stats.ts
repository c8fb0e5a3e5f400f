import type { InvokeEvent } from "./invoke.ts";

/** A snapshot of what the event source did, for the progress line and for tests. */
export interface EventSourceStats {
  /** Records fetched from Kafka (re-fetches after a rejoin not counted). */
  readonly recordsFetched: number;
  /** Records finished: the handler succeeded on them or they went to the destination. */
  readonly recordsDone: number;
  readonly recordsInFlight: number;
  readonly buffered: number;
  readonly invocations: number;
  readonly failedInvocations: number;
  readonly retries: number;
  readonly bisections: number;
  readonly toDestination: number;
  /** Per "<topic>-<partition>": the last high watermark seen minus the next offset to commit. */
  readonly lag: ReadonlyMap<string, number>;
  readonly committed: ReadonlyMap<string, number>;
  /** When a new record was last fetched (epoch ms), for idle detection. */
  readonly lastFetchAt: number | undefined;
}

/** Counts for EventSourceStats; the event source feeds it as things happen. */
export class StatsTracker {
  #fetched = 0;
  #done = 0;
  #inFlight = 0;
  #invocations = 0;
  #failed = 0;
  #retries = 0;
  #bisections = 0;
  #toDestination = 0;
  #lastFetchAt: number | undefined;
  readonly #highWatermark = new Map<string, number>();
  readonly #committed = new Map<string, number>();
  readonly #firstSeen = new Map<string, number>();

  fetched(tp: string, added: number, highWatermark: number): void {
    this.#fetched += added;
    if (added > 0) this.#lastFetchAt = Date.now();
    this.#highWatermark.set(tp, highWatermark);
  }

  inFlight(n: number): void {
    this.#inFlight += n;
  }

  finished(n: number, done: number): void {
    this.#inFlight = Math.max(0, this.#inFlight - n);
    this.#done += done;
  }

  committed(tp: string, offset: number): void {
    this.#committed.set(tp, offset);
  }

  /** Remembers where a partition started, so lag is known before the first commit. */
  started(tp: string, offset: number): void {
    if (!this.#firstSeen.has(tp)) this.#firstSeen.set(tp, offset);
  }

  onInvoke(e: InvokeEvent): void {
    if (e.type === "invoked") {
      this.#invocations++;
      if (e.outcome !== "success") this.#failed++;
    } else if (e.type === "retry") this.#retries++;
    else if (e.type === "bisected") this.#bisections++;
    else if (e.type === "destination") this.#toDestination += e.records;
  }

  snapshot(buffered: number): EventSourceStats {
    const lag = new Map<string, number>();
    for (const [tp, hw] of this.#highWatermark) {
      const next = this.#committed.get(tp) ?? this.#firstSeen.get(tp) ?? hw;
      lag.set(tp, Math.max(0, hw - next));
    }
    return {
      recordsFetched: this.#fetched,
      recordsDone: this.#done,
      recordsInFlight: this.#inFlight,
      buffered,
      invocations: this.#invocations,
      failedInvocations: this.#failed,
      retries: this.#retries,
      bisections: this.#bisections,
      toDestination: this.#toDestination,
      lag,
      committed: new Map(this.#committed),
      lastFetchAt: this.#lastFetchAt,
    };
  }
}
