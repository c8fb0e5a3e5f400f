import type { LineageRow } from "../../core/stages/dedupe.ts";
import { dedupeContext, type KeyDedupe } from "../../core/stages/key-dedupe.ts";
import type { PlanDocument } from "../../core/stages/plan.ts";
import { type LoadedPartition, loadPartitionRows } from "./raw-rows.ts";
import type { StageDeps } from "./stage-deps.ts";

/** The rows around one time partition and which of them are later deliveries of a business key. */
export interface KeyDedupeContext {
  /**
   * Partition path → its rows, deduped by offset (every path of the horizon). The paths of the
   * time partition itself hold whole rows or `ownColumns`; the others may hold only what
   * deciding keys reads.
   */
  readonly loaded: ReadonlyMap<string, LoadedPartition>;
  readonly dropped: ReadonlySet<LineageRow>;
}

/**
 * For a pipeline that dedupes by key: reads every partition path within the dedupe horizon of
 * `timePartition` (the plan lists their files) and decides the key duplicates once, so each
 * path of the partition drops its own and no row is judged without the rows that decide it.
 * The neighbouring partitions are read for their key, event-time and lineage columns only (they
 * are decided on nothing else), and the time partition's own paths for `ownColumns` when given
 * (traced: a caller that reads its rows again whole by `rowSource`), unless two rows of one record tie
 * on a key: their order reads whole rows, so then everything is read whole and decided again.
 */
export async function loadKeyDedupeContext(
  deps: StageDeps,
  plan: PlanDocument,
  timePartition: string,
  keyDedupe: KeyDedupe,
  ownColumns?: readonly string[],
): Promise<KeyDedupeContext> {
  const g = deps.pipeline.partitioning.granularity;
  const load = async (whole: boolean) => {
    const loaded = new Map<string, LoadedPartition>();
    let projected = false;
    for (const tp of dedupeContext(timePartition, g, keyDedupe.withinMs)) {
      const refs = plan.files[tp] ?? [];
      const own = tp === timePartition;
      const columns = whole ? undefined : own ? ownColumns : keyDedupe.columns;
      projected ||= columns !== undefined;
      for (const path of [...new Set(refs.map((r) => r.partition))].sort()) {
        loaded.set(
          path,
          await loadPartitionRows(
            deps,
            refs.filter((r) => r.partition === path),
            columns,
            own && ownColumns !== undefined,
          ),
        );
      }
    }
    let tie = false;
    const dropped = keyDedupe.duplicates(
      [...loaded.values()].flatMap((l) => l.rows),
      () => {
        tie = true;
      },
    );
    return { loaded, dropped, redo: tie && projected };
  };
  const first = await load(false);
  if (!first.redo) return first;
  const { loaded, dropped } = await load(true);
  return { loaded, dropped };
}
