import { commitSnapshot } from "../../catalog/commit-snapshot.ts";
import type { LiveState } from "../../catalog/live-files.ts";
import { publishedVersions, shortDigest } from "../../core/iceberg/lakestream-tables.ts";
import type { SnapshotChange } from "../../core/iceberg/snapshot-producer.ts";
import type { DataFile } from "../../core/iceberg/types.ts";
import type { OffsetSpan } from "../../core/stages/dedupe.ts";
import type { PlanDocument } from "../../core/stages/plan.ts";
import {
  parseStagedVersion,
  type StagedVersion,
  stagedVersionPrefix,
} from "../../core/stages/staged-version.ts";
import { catalogOf, filesOf } from "./iceberg-tables.ts";
import { DEFAULT_NAMESPACE, type StageDeps } from "./stage-deps.ts";

/** What publish did to one Iceberg table. */
export interface TablePublish {
  readonly table: string;
  /** The snapshot this run committed, or null when there was nothing new to commit. */
  readonly snapshotId: string | null;
  readonly operation: string | null;
  /** Commit attempts (more than one: another writer committed first and this one rebased). */
  readonly attempts: number;
  readonly versions: number;
  /** Versions the table already held (a retried or replayed publish). */
  readonly alreadyPublished: number;
  /** Owners another run republished since this one planned: left to that run's version. */
  readonly superseded: readonly string[];
  readonly rowsAdded: number;
  readonly rowsRemoved: number;
  readonly filesAdded: number;
  readonly filesRemoved: number;
}

const decoder = new TextDecoder();

/**
 * Commits every version the run staged, one snapshot per table. A version replaces the owner's
 * live files only if they are still the version the run planned against; if they already are
 * this version, nothing is done (a retried or replayed publish commits nothing twice); if
 * another run replaced them meanwhile, that run's version stays. Each attempt decides again
 * on the table as it is, so a conflicting commit (another publish, a Spark INSERT) is rebased
 * on, never overwritten.
 */
export async function publishIcebergTables(
  deps: StageDeps,
  plan: PlanDocument,
): Promise<{ tables: TablePublish[]; committed: StagedVersion[] }> {
  const staged = await readStagedVersions(deps, plan.runId);
  const tables: TablePublish[] = [];
  const committed: StagedVersion[] = [];
  for (const [table, versions] of staged) {
    let decision = decide(versions, { manifests: [], files: [] }, plan);
    const outcome = await commitSnapshot({
      catalog: catalogOf(deps),
      files: filesOf(deps),
      table: { namespace: deps.namespace ?? DEFAULT_NAMESPACE, name: table },
      decide: (_table, live) => {
        decision = decide(versions, live, plan);
        return decision.change;
      },
    });
    if (outcome.committed) committed.push(...decision.committed);
    const sum = (files: readonly DataFile[], f: (d: DataFile) => number) =>
      files.reduce((n, d) => n + f(d), 0);
    const added = decision.committed.flatMap((v) => v.files);
    tables.push({
      table,
      snapshotId: outcome.committed ? outcome.snapshot["snapshot-id"].toString() : null,
      operation: outcome.committed ? outcome.snapshot.summary.operation : null,
      attempts: outcome.attempts,
      versions: outcome.committed ? decision.committed.length : 0,
      alreadyPublished: decision.already,
      superseded: decision.superseded,
      rowsAdded: outcome.committed ? sum(added, (d) => d.recordCount) : 0,
      rowsRemoved: outcome.committed ? decision.removedRows : 0,
      filesAdded: outcome.committed ? added.length : 0,
      filesRemoved: outcome.committed ? (decision.change?.remove.size ?? 0) : 0,
    });
  }
  return { tables, committed };
}

interface Decision {
  readonly change: SnapshotChange | undefined;
  readonly committed: StagedVersion[];
  readonly already: number;
  readonly superseded: string[];
  readonly removedRows: number;
}

function decide(versions: readonly StagedVersion[], live: LiveState, plan: PlanDocument): Decision {
  const published = publishedVersions(live.files);
  const rowsOf = new Map(live.files.map((f) => [f.filePath, f.recordCount]));
  const add: DataFile[] = [];
  const remove = new Set<string>();
  const committed: StagedVersion[] = [];
  const superseded: string[] = [];
  let already = 0;
  let removedRows = 0;
  for (const v of versions) {
    const current = published.get(v.tag);
    const digest =
      current === undefined ? null : current.digests.size === 1 ? [...current.digests][0]! : "mixed";
    if (digest === shortDigest(v.digest)) {
      already++;
      continue;
    }
    if (digest !== (v.base === null ? null : shortDigest(v.base))) {
      superseded.push(v.owner);
      continue;
    }
    for (const path of current?.paths ?? []) {
      remove.add(path);
      removedRows += rowsOf.get(path) ?? 0;
    }
    add.push(...v.files);
    committed.push(v);
  }
  if (add.length === 0 && remove.size === 0)
    return { change: undefined, committed, already, superseded, removedRows };
  return {
    change: {
      add,
      remove,
      summary: {
        "lakestream.pipeline": plan.pipeline,
        "lakestream.run-id": plan.runId,
        "lakestream.versions": String(committed.length),
        "lakestream.source-offsets": JSON.stringify(coverage(committed.flatMap((v) => v.offsets))),
      },
    },
    committed,
    already,
    superseded,
    removedRows,
  };
}

/** Source offsets the snapshot's versions cover, one range per topic-partition. */
function coverage(spans: readonly OffsetSpan[]): OffsetSpan[] {
  const merged = new Map<
    string,
    { topic: string; partition: number; first: number; last: number; offsets: number }
  >();
  for (const s of spans) {
    const key = `${s.topic}\u0000${s.partition}`;
    const m = merged.get(key);
    if (!m) merged.set(key, { ...s });
    else {
      m.first = Math.min(m.first, s.first);
      m.last = Math.max(m.last, s.last);
      m.offsets += s.offsets;
    }
  }
  return [...merged.values()].sort((a, b) =>
    a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition,
  );
}

async function readStagedVersions(deps: StageDeps, runId: string): Promise<Map<string, StagedVersion[]>> {
  const out = new Map<string, StagedVersion[]>();
  for (const { key } of await deps.store.list(stagedVersionPrefix(deps.pipeline.name, runId))) {
    const body = await deps.store.get(key);
    if (!body) continue;
    const v = parseStagedVersion(decoder.decode(body));
    out.set(v.table, [...(out.get(v.table) ?? []), v]);
  }
  for (const list of out.values()) list.sort((a, b) => (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0));
  return out;
}
