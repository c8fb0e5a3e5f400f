import * as z from "../zod.ts";
import { StageInputError } from "./errors.ts";
import type { PlanStats } from "./plan.ts";

/**
 * The payloads the later stages exchange through Step Functions (JSONPath, see
 * infra/constructs/stage-state-machine.ts): Plan's output becomes the run state; each Map item
 * is `{ pipeline, runId, partition }`; Compact's result lands at `$.compact` of the item and
 * Aggregate's at `$.aggregate`; the Map's results at `$.results`; Publish's at `$.published`.
 * Payloads stay small (counts and keys): the plan itself is a document in the lake, because a
 * Step Functions state is capped at 256 KiB.
 */

const instant = z.string().check(z.refine((s) => !Number.isNaN(Date.parse(s)), "not an ISO-8601 time"));
const runIdText = z
  .string()
  .check(z.regex(/^[A-Za-z0-9_.-]{1,80}$/, "letters, digits, '.', '_' and '-' only"));

/** What starts a run: the Scheduler, the local runner or an operator's backfill. */
export const planInputSchema = z.looseObject({
  pipeline: z.string().check(z.minLength(1)),
  trigger: z._default(z.enum(["schedule", "local", "backfill", "manual"]), "manual"),
  /** The Scheduler's time (EventBridge Scheduler `<aws.scheduler.scheduled-time>`). */
  scheduledTime: z.optional(instant),
  /** The run's logical time; defaults to `scheduledTime`. Never the stage's wall clock. */
  now: z.optional(instant),
  /** Backfill range of event time, [from, to). */
  from: z.optional(instant),
  to: z.optional(instant),
  /** Overrides the pipeline's `aggregations.allowedLatenessMinutes`. */
  allowedLatenessMinutes: z.optional(z.int().check(z.minimum(0))),
  /** Recompute up-to-date partitions too (a backfill does by default). */
  force: z.optional(z.boolean()),
  /** Backfill from another Parquet dataset with the raw table's layout and schema, not the commits. */
  source: z.optional(
    z.strictObject({ prefix: z.string().check(z.regex(/^[A-Za-z0-9_.=-]+(\/[A-Za-z0-9_.=-]+)*$/)) }),
  ),
  runId: z.optional(runIdText),
});
export type PlanInput = z.input<typeof planInputSchema>;

export interface StageTiming {
  /** Wall-clock start, for the run record only (never used to place data). */
  readonly startedAt: string;
  readonly durationMs: number;
}

export interface PlanOutput {
  readonly pipeline: string;
  readonly runId: string;
  readonly trigger: string;
  readonly now: string;
  readonly planKey: string;
  /** Time partitions to process: the Map iterates this. */
  readonly partitions: string[];
  readonly stats: PlanStats;
  readonly timing: StageTiming;
}

/** One Map item, as the state machine's ItemSelector builds it. */
export const partitionItemSchema = z.looseObject({
  pipeline: z.string().check(z.minLength(1)),
  runId: runIdText,
  partition: z.string().check(z.regex(/^dt=\d{4}-\d{2}-\d{2}(\/hour=\d{2})?$/, "a time partition path")),
});
export type PartitionItem = z.infer<typeof partitionItemSchema>;

export interface CompactOutput {
  readonly partition: string;
  readonly paths: number;
  readonly filesIn: number;
  readonly bytesIn: number;
  readonly rowsIn: number;
  /** Rows dropped because another raw file holds the same source offset (retries, replays). */
  readonly duplicates: number;
  /** Rows dropped as later deliveries of a business key (pipeline `dedupe`); rowsIn = rowsOut + both. */
  readonly keyDuplicates: number;
  readonly rowsOut: number;
  readonly filesOut: number;
  readonly bytesOut: number;
  /** Paths whose manifest already listed this exact content. */
  readonly unchanged: number;
  readonly timing: StageTiming;
}

export interface AggregateTableOutput {
  readonly table: string;
  readonly windows: number;
  readonly rows: number;
  readonly late: number;
  readonly files: number;
  readonly bytes: number;
  readonly unchanged: boolean;
}

export interface AggregateOutput {
  readonly partition: string;
  readonly tables: AggregateTableOutput[];
  readonly timing: StageTiming;
}

/** A Map result: the item with both stages' outputs. */
export interface PartitionResult extends PartitionItem {
  readonly compact?: CompactOutput;
  readonly aggregate?: AggregateOutput;
}

/** Publish gets the run state: Plan's output plus the Map's results. */
export const publishInputSchema = z.looseObject({
  pipeline: z.string().check(z.minLength(1)),
  runId: runIdText,
  now: instant,
  planKey: z.string(),
  results: z._default(z.array(z.looseObject({ partition: z.string() })), []),
});

/**
 * Maintain gets the run state (it runs after Publish); an operator may start it alone with just
 * the pipeline, and override the pipeline's maintenance settings for that run.
 */
export const maintainInputSchema = z.looseObject({
  pipeline: z.string().check(z.minLength(1)),
  snapshotRetentionHours: z.optional(z.number().check(z.minimum(0))),
  orphanFileAgeHours: z.optional(z.number().check(z.minimum(0))),
});

/** Parses a stage payload; a wrong shape is a StageInputError naming the path (not retried usefully). */
export function parseStageInput<S extends z.ZodMiniType>(
  stage: string,
  schema: S,
  input: unknown,
): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new StageInputError(stage, ["input", ...issue.path.map(String)].join("."), issue.message);
  }
  return parsed.data;
}

/** Where a run keeps its documents: the plan, the run record. */
export function runDocumentKey(pipeline: string, runId: string, name: "plan.json" | "run.json"): string {
  return `_lakestream/runs/${pipeline}/${runId}/${name}`;
}

/** A readable, key-safe run id from the trigger and the logical time, e.g. `schedule-20261123T0815Z`. */
export function defaultRunId(trigger: string, now: number, range?: { start: number; end: number }): string {
  const t = (ms: number) =>
    new Date(ms)
      .toISOString()
      .replace(/[-:]/g, "")
      .replace(/\.\d{3}/, "")
      .slice(0, 13);
  const base = `${trigger}-${t(now)}Z`;
  return range ? `${base}-${t(range.start)}Z-${t(range.end)}Z` : base;
}
