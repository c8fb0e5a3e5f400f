import { setTimeout as sleep } from "node:timers/promises";
import { FileUnitRetryError } from "../../core/files/errors.ts";
import { filePlanKey, unitDoneKey } from "../../core/files/file-keys.ts";
import {
  type BatchLimits,
  cutBatches,
  DEFAULT_BATCH_LIMITS,
  type FileRecord,
} from "../../core/files/file-records.ts";
import { FILE_PARTITION, fileTopic, type SourceObject } from "../../core/files/file-source.ts";
import type { FileUnit } from "../../core/files/file-units.ts";
import { hivePartitionValues, typedPartitionValues } from "../../core/files/path-partitions.ts";
import { fileValueDecoder } from "../../core/files/value-decoder.ts";
import type { Pipeline } from "../../core/pipeline/types.ts";
import type { ObjectStore } from "../../storage/object-store.ts";
import type { SourceFiles } from "../../storage/source-files.ts";
import { createBatchIngest } from "../ingest.ts";
import { readJson } from "../stages/stage-deps.ts";
import { type FilePlan, type FileReadSettings, planFile } from "./file-plan.ts";
import { quarantineFile } from "./file-quarantine.ts";
import { readUnit } from "./unit-records.ts";

export interface FileIngestDeps {
  readonly pipeline: Pipeline;
  /** The lake. */
  readonly store: ObjectStore;
  readonly source: SourceFiles;
  readonly settings: FileReadSettings;
  readonly batch?: BatchLimits;
  readonly concurrency?: number;
  /** Attempts of a batch that fails transiently before the unit fails (default 8). */
  readonly attempts?: number;
}

/** What one unit did; stored as its done marker and returned again when it is asked for twice. */
export interface UnitSummary {
  readonly format: "lakestream-file-unit/1";
  readonly uri: string;
  readonly version: string;
  readonly unit: FileUnit;
  readonly recordsIn: number;
  readonly rowsWritten: number;
  readonly filtered: number;
  readonly quarantined: number;
  readonly batches: number;
  /** Batches whose commit record existed already: nothing was written for them. */
  readonly replays: number;
  /** The quarantine line of the unit, when it could not be decoded at all. */
  readonly quarantinedWhole?: string;
}

/** A unit's summary, with `repeat` when it had been done before (a rerun or a second event). */
export type UnitOutcome = (UnitSummary & { readonly repeat: boolean }) | { readonly gone: true };

/**
 * The file source's ingest: an object version is planned once (plan.json), each unit is read,
 * cut into batches and run through the same ingest as Kafka batches (transform, validation,
 * quarantine, partitioning, files written once, one commit record per batch), then marked done.
 * Everything is keyed by the object version and the lines or rows, so a unit done twice, a
 * second event for the object and a rerun over the folder write nothing new.
 */
export function createFileIngest(deps: FileIngestDeps) {
  const { pipeline, store, source } = deps;
  const { table } = pipeline.sink;
  const ingest = createBatchIngest({
    pipeline,
    store,
    records: { decodeValue: fileValueDecoder(pipeline.schema) },
    ...(deps.concurrency ? { concurrency: deps.concurrency } : {}),
  });
  const attempts = deps.attempts ?? 8;

  /** The object version's plan: the stored one, or a new one stored first. Undefined when gone. */
  async function plan(object: SourceObject): Promise<FilePlan | undefined> {
    const topic = fileTopic(object);
    const key = filePlanKey(table, topic);
    const stored = await readJson<FilePlan>(store, key);
    if (stored) return stored;
    const made = await planFile(source, object, topic, pipeline.schema, deps.settings);
    if (!made) return undefined;
    const { written } = await store.put(key, json(made), { ifAbsent: true, contentType: "application/json" });
    return written ? made : ((await readJson<FilePlan>(store, key)) ?? made);
  }

  /** Runs one unit of a plan, or answers from its done marker. */
  async function runUnit(p: FilePlan, unit: FileUnit): Promise<UnitOutcome> {
    const doneKey = unitDoneKey(table, p.topic, unit);
    const done = await readJson<UnitSummary>(store, doneKey);
    if (done) return { ...done, repeat: true };
    const paths = typedPartitionValues(hivePartitionValues(p.object.path), pipeline.schema);
    const stream = {
      topic: p.topic,
      format: p.fileFormat!,
      timestamp: p.object.lastModified,
      ...(Object.keys(paths).length > 0 ? { pathValues: paths } : {}),
    };
    const read = await readUnit(source, p, unit, stream);
    if (read.kind === "gone") return { gone: true };
    const base = {
      format: "lakestream-file-unit/1",
      uri: p.object.uri,
      version: p.object.version,
      unit,
    } as const;
    let summary: UnitSummary;
    if (read.kind === "undecodable") {
      const key = await quarantineFile(store, source, pipeline, p, unit, read.error);
      if (!key) return { gone: true };
      summary = { ...base, ...ZERO, quarantinedWhole: key };
    } else {
      summary = { ...base, ...(await ingestRecords(p, read.records)) };
    }
    await store.put(doneKey, json(summary), { ifAbsent: true, contentType: "application/json" });
    return { ...summary, repeat: false };
  }

  async function ingestRecords(p: FilePlan, records: readonly FileRecord[]) {
    const counts = { ...ZERO };
    for (const batch of cutBatches(records, deps.batch ?? DEFAULT_BATCH_LIMITS)) {
      let pending: readonly FileRecord[] = batch;
      for (let attempt = 1; pending.length > 0; attempt++) {
        const result = await ingest([{ topic: p.topic, partition: FILE_PARTITION, records: pending }]);
        const s = result.summary;
        counts.batches++;
        if (result.replay) counts.replays++;
        counts.recordsIn += s.recordsIn;
        counts.rowsWritten += s.rowsWritten;
        counts.filtered += s.filtered;
        counts.quarantined += s.quarantined;
        const failed = result.response.batchItemFailures[0];
        if (!failed) break;
        if (attempt >= attempts) {
          throw new FileUnitRetryError(
            p.object.uri,
            `a batch kept failing: ${result.failure ?? "no reason given"}`,
          );
        }
        // What landed below the failed offset is committed; the rest goes again, as Lambda resumes.
        pending = pending.filter((r) => r.offset >= failed.itemIdentifier.offset);
        await sleep(Math.min(2_000, 50 * 2 ** attempt));
      }
    }
    return counts;
  }

  /** A rejected file's quarantine, written once (its done marker is the whole unit's). */
  async function reject(p: FilePlan): Promise<UnitOutcome> {
    const unit: FileUnit = { kind: "whole" };
    const doneKey = unitDoneKey(table, p.topic, unit);
    const done = await readJson<UnitSummary>(store, doneKey);
    if (done) return { ...done, repeat: true };
    const key = await quarantineFile(store, source, pipeline, p, undefined, p.rejected!);
    if (!key) return { gone: true };
    const summary: UnitSummary = {
      format: "lakestream-file-unit/1",
      uri: p.object.uri,
      version: p.object.version,
      unit,
      ...ZERO,
      quarantinedWhole: key,
    };
    await store.put(doneKey, json(summary), { ifAbsent: true, contentType: "application/json" });
    return { ...summary, repeat: false };
  }

  /** Plans an object version and runs every unit in order: the local runner's way (AWS fans units out). */
  async function ingestObject(object: SourceObject): Promise<UnitOutcome[] | undefined> {
    const p = await plan(object);
    if (!p) return undefined;
    if (p.rejected) return [await reject(p)];
    const out: UnitOutcome[] = [];
    for (const unit of p.units) out.push(await runUnit(p, unit));
    return out;
  }

  return { plan, runUnit, reject, ingestObject };
}

export type FileIngest = ReturnType<typeof createFileIngest>;

const ZERO = { recordsIn: 0, rowsWritten: 0, filtered: 0, quarantined: 0, batches: 0, replays: 0 };

function json(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value, null, 1));
}
