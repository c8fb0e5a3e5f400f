import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Pipeline } from "../../core/pipeline/types.ts";
import type { PlanInput, PlanOutput } from "../../core/stages/stage-io.ts";
import type { StageDeps } from "../../runtime/stages/stage-deps.ts";
import { localStageHandlers } from "../state-machine/local-stages.ts";
import {
  type LocalRunResult,
  type LocalStageHandler,
  runStateMachineLocally,
} from "../state-machine/run-local.ts";
import type { Progress } from "./progress.ts";

export interface StagesRunOptions {
  readonly deps: StageDeps;
  readonly input: PlanInput;
  readonly executionName: string;
  readonly progress: Progress;
  /** Defaults to the definition the CDK stack synthesizes for the pipeline. */
  readonly definition?: object;
  /** Put something around a stage (tests kill one midway). */
  readonly wrap?: (stage: string, handler: LocalStageHandler) => LocalStageHandler;
}

/**
 * Synthesizes the deployed state machine (offline, no credentials) once per process and
 * pipeline. The CDK app loads on first use: commands that never run the stages, and `--help`,
 * do not pay for it.
 */
const definitions = new Map<string, object>();
export async function deployedDefinition(pipeline: Pipeline): Promise<object> {
  let d = definitions.get(pipeline.name);
  if (!d) {
    const { synthesizeStateMachineDefinition } = await import("../../../infra/state-machine-definition.ts");
    d = withScratchHome(() =>
      synthesizeStateMachineDefinition(pipeline.name, { pipelines: { [pipeline.name]: pipeline } }),
    );
    definitions.set(pipeline.name, d);
  }
  return d;
}

let scratchHome: string | undefined;

/**
 * The CDK caches asset fingerprints under `~/.cdk/cache`; a local run must leave nothing
 * outside its lake, so synthesis sees a scratch home folder, removed when the process exits.
 * Synthesis is synchronous, so no other code runs while HOME is changed.
 */
function withScratchHome<T>(synthesize: () => T): T {
  if (scratchHome === undefined) {
    const dir = mkdtempSync(join(tmpdir(), "lakestream-home-"));
    scratchHome = dir;
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
  const home = process.env.HOME;
  process.env.HOME = scratchHome;
  try {
    return synthesize();
  } finally {
    if (home === undefined) delete process.env.HOME;
    else process.env.HOME = home;
  }
}

/**
 * Runs plan → compact/aggregate per partition → publish through the deployed state machine
 * definition, executed locally, with a progress bar over the partitions.
 */
export async function runStages(o: StagesRunOptions): Promise<LocalRunResult> {
  const { progress } = o;
  const definition = o.definition ?? (await deployedDefinition(o.deps.pipeline));
  let done = 0;
  let total = 0;
  let failures = 0;
  progress.start("stages", 1);
  const result = await runStateMachineLocally(
    {
      definition,
      handlers: localStageHandlers(o.deps, o.wrap),
      store: o.deps.store,
      executionName: o.executionName,
      onEvent: (e) => {
        // A caught Plan failure exits too, with the error where the partitions would be.
        const partitions = (e.output as Partial<PlanOutput> | undefined)?.partitions;
        if (e.type === "StateExited" && e.state === "Plan" && Array.isArray(partitions)) {
          total = partitions.length;
          progress.start("stages", total + 2);
          progress.update(1, "planned");
        } else if (e.type === "MapIterationSucceeded")
          progress.update(1 + ++done, `${done}/${total} partitions`);
        else if (e.type === "StateFailed") failures++;
      },
    },
    o.input,
  );
  if (result.status === "SUCCEEDED") {
    progress.update(total + 2);
    progress.finish(`${total} partitions compacted and aggregated, run published`);
  } else {
    const where = result.stage ? `${result.stage} failed: ` : "";
    progress.fail(`${where}${result.error}: ${result.cause} (${failures} failed attempts)`);
  }
  return result;
}
