import type { SourceObject } from "../../core/files/file-source.ts";
import type { Pipeline } from "../../core/pipeline/types.ts";
import { createFileIngest } from "../../runtime/files/file-ingest.ts";
import type { FileReadSettings } from "../../runtime/files/file-plan.ts";
import type { ObjectStore } from "../../storage/object-store.ts";
import type { SourceFiles } from "../../storage/source-files.ts";
import { type FileTotals, watchFiles } from "./watch-files.ts";

export interface FilesRunOptions {
  readonly pipeline: Pipeline;
  readonly store: ObjectStore;
  readonly source: SourceFiles;
  readonly settings: FileReadSettings;
  /** Keep watching until no new file came for this long; undefined: until `stopped()`. */
  readonly idleMs?: number;
  /** Read every file once and return, without watching (a backfill). */
  readonly once?: boolean;
  readonly filter?: (object: SourceObject) => boolean;
  readonly progress: boolean;
  readonly stopped?: () => boolean;
  readonly pollMs?: number;
}

/** What `run --files` prints on stdout: one JSON line. */
export interface FilesRunSummary extends FileTotals {
  readonly pipeline: string;
  readonly source: string;
  readonly lake: string;
  readonly seconds: number;
}

/**
 * The local file source: every file under the source once (Hive partition folders included),
 * then new ones as they appear, through the same ingest as Kafka batches. Progress lines go to
 * stderr, one per file; the summary is returned for stdout.
 */
export async function runFiles(o: FilesRunOptions): Promise<FilesRunSummary> {
  const startedAt = Date.now();
  const ingest = createFileIngest({
    pipeline: o.pipeline,
    store: o.store,
    source: o.source,
    settings: o.settings,
  });
  const root = o.source.root;
  if (o.progress) process.stderr.write(`files: reading ${root} into ${o.store.url}\n`);
  const totals = await watchFiles({
    source: o.source,
    ingest,
    ...(o.filter ? { filter: o.filter } : {}),
    ...(o.once ? {} : { idleMs: o.idleMs ?? Number.POSITIVE_INFINITY }),
    ...(o.stopped ? { stopped: o.stopped } : {}),
    ...(o.pollMs ? { pollMs: o.pollMs } : {}),
    onFile: (object, outcome, t) => {
      if (!o.progress) return;
      const what = {
        ingested: "✔",
        unchanged: "=",
        quarantined: "✘ quarantined",
        gone: "– gone",
      }[outcome];
      process.stderr.write(
        `${what} ${object.path || object.uri}  (${t.files} files, ${fmt(t.records)} records → ${fmt(t.rowsWritten)} rows, ${fmt(t.quarantined)} quarantined)\n`,
      );
    },
  });
  return {
    pipeline: o.pipeline.name,
    ...totals,
    source: root,
    lake: o.store.url,
    seconds: Math.round((Date.now() - startedAt) / 100) / 10,
  };
}

function fmt(n: number): string {
  return n.toLocaleString("en-US");
}
