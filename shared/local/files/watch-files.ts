import { setTimeout as sleep } from "node:timers/promises";
import { fileTopic, type SourceObject } from "../../core/files/file-source.ts";
import type { FileIngest, UnitOutcome } from "../../runtime/files/file-ingest.ts";
import type { SourceFiles } from "../../storage/source-files.ts";

/** What a files run did, for its JSON summary. */
export interface FileTotals {
  /** Object versions seen. */
  files: number;
  /** Of them, ingested now (at least one unit run). */
  ingested: number;
  /** Done before (a rerun): nothing written. */
  unchanged: number;
  /** Quarantined whole (unknown format, not decodable, a column that cannot be mapped). */
  quarantinedFiles: number;
  /** Gone (deleted or replaced) before they could be read. */
  gone: number;
  units: number;
  records: number;
  rowsWritten: number;
  filtered: number;
  quarantined: number;
  batches: number;
}

export function emptyTotals(): FileTotals {
  return {
    files: 0,
    ingested: 0,
    unchanged: 0,
    quarantinedFiles: 0,
    gone: 0,
    units: 0,
    records: 0,
    rowsWritten: 0,
    filtered: 0,
    quarantined: 0,
    batches: 0,
  };
}

export interface WatchOptions {
  readonly source: SourceFiles;
  readonly ingest: FileIngest;
  /** Which objects to read (a backfill's --since/--until); default all. */
  readonly filter?: (object: SourceObject) => boolean;
  /** Keep watching until nothing new came for this long; undefined: one pass, then return. */
  readonly idleMs?: number;
  /** How often the source is listed again while watching. */
  readonly pollMs?: number;
  /** Stop asked (SIGINT): finish the file in hand and return. */
  readonly stopped?: () => boolean;
  /** Called after each file with the totals so far. */
  readonly onFile?: (
    object: SourceObject,
    outcome: "ingested" | "unchanged" | "quarantined" | "gone",
    totals: FileTotals,
  ) => void;
}

/**
 * Reads every object under the source once, oldest path first, and with `idleMs` keeps listing
 * for new ones (Spark's `textFileStream`, Flink's monitoring FileSource, Auto Loader's directory
 * listing) until none came for that long. Each object version is processed at most once per
 * process, and at most once ever thanks to its done markers in the lake.
 */
export async function watchFiles(o: WatchOptions): Promise<FileTotals> {
  const totals = emptyTotals();
  const seen = new Set<string>();
  let lastNew = Date.now();
  for (;;) {
    const objects = (await o.source.list()).filter((x) => !seen.has(fileTopic(x)) && (o.filter?.(x) ?? true));
    for (const object of objects) {
      if (o.stopped?.()) return totals;
      seen.add(fileTopic(object));
      lastNew = Date.now();
      const outcomes = await o.ingest.ingestObject(object);
      const kind = add(totals, outcomes);
      o.onFile?.(object, kind, totals);
    }
    if (o.idleMs === undefined || o.stopped?.()) return totals;
    if (objects.length === 0 && Date.now() - lastNew >= o.idleMs) return totals;
    await sleep(o.pollMs ?? 1_000);
  }
}

function add(
  t: FileTotals,
  outcomes: UnitOutcome[] | undefined,
): "ingested" | "unchanged" | "quarantined" | "gone" {
  t.files++;
  if (!outcomes || outcomes.some((u) => "gone" in u)) {
    t.gone++;
    return "gone";
  }
  let fresh = false;
  let whole = false;
  for (const u of outcomes) {
    if ("gone" in u) continue;
    t.units++;
    if (u.quarantinedWhole) whole = true;
    if (u.repeat) continue;
    fresh = true;
    t.records += u.recordsIn;
    t.rowsWritten += u.rowsWritten;
    t.filtered += u.filtered;
    t.quarantined += u.quarantined;
    t.batches += u.batches;
  }
  if (whole && fresh) t.quarantinedFiles++;
  if (!fresh) {
    t.unchanged++;
    return "unchanged";
  }
  t.ingested++;
  return whole ? "quarantined" : "ingested";
}
