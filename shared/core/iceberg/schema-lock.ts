import type { Pipeline } from "../pipeline/types.ts";
import { IcebergMetadataError } from "./errors.ts";
import { parseJsonExact, stringifyJsonExact } from "./json.ts";
import { pipelineTableShapes } from "./lakestream-tables.ts";
import { lastColumnId, newIcebergSchema } from "./schema.ts";
import { evolveSchema } from "./schema-evolution.ts";
import type { IcebergSchema } from "./types.ts";

/**
 * The schemas a pipeline's Iceberg tables had when last recorded (`lakestream schema-lock`),
 * committed next to the code. A deploy cannot reach the catalog, so `cdk synth` checks the
 * pipeline against this file: a change Iceberg cannot make without rewriting data fails the
 * synth with the column named, before anything is deployed. The tables themselves are checked
 * again at run time, by the plan stage, against what the catalog holds.
 */
export interface SchemaLock {
  readonly format: "lakestream-schema-lock/1";
  readonly pipeline: string;
  readonly tables: Readonly<Record<string, IcebergSchema>>;
}

export interface LockCheck {
  /** Per table, what changed compatibly since the lock (empty: nothing). */
  readonly changes: Readonly<Record<string, readonly string[]>>;
  /** Tables the lock does not know yet (new gold tables, or no lock). */
  readonly added: readonly string[];
  /** The lock to record now. */
  readonly next: SchemaLock;
}

/**
 * Checks the pipeline's tables against a lock; throws SchemaEvolutionError (the table and the
 * column named) for a change that would need rewriting files, else says what changed.
 */
export function checkSchemaLock(pipeline: Pipeline, lock: SchemaLock | undefined): LockCheck {
  const changes: Record<string, string[]> = {};
  const added: string[] = [];
  const tables: Record<string, IcebergSchema> = {};
  for (const t of pipelineTableShapes(pipeline)) {
    const locked = lock?.tables[t.name];
    if (!locked) {
      added.push(t.name);
      tables[t.name] = newIcebergSchema(t.columns);
      continue;
    }
    const evolved = evolveSchema(t.name, locked, lastColumnId(locked), t.columns);
    tables[t.name] = evolved?.schema ?? locked;
    if (evolved) changes[t.name] = [...evolved.changes];
  }
  return { changes, added, next: { format: "lakestream-schema-lock/1", pipeline: pipeline.name, tables } };
}

export function parseSchemaLock(where: string, text: string): SchemaLock {
  const lock = parseJsonExact(text) as SchemaLock;
  if (lock?.format !== "lakestream-schema-lock/1" || typeof lock.tables !== "object") {
    throw new IcebergMetadataError(where, "not a lakestream schema lock (format lakestream-schema-lock/1)");
  }
  return lock;
}

export function serializeSchemaLock(lock: SchemaLock): string {
  return `${stringifyJsonExact(lock, 2)}\n`;
}

/** Where a pipeline's lock lives, relative to the project root. */
export function schemaLockPath(pipeline: string): string {
  return `schemas/${pipeline}.json`;
}
