import validator from "asl-validator";
import { ExecutionError, StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import { LakestreamError } from "../../core/errors.ts";
import type { ObjectStore } from "../../storage/object-store.ts";
import { type LocalTask, localTasks } from "./local-tasks.ts";

// The package exports neither type by name; derive them from the run signature.
type JSONValue = Parameters<StateMachine["run"]>[0];
type TaskHandler = (input: JSONValue) => Promise<JSONValue>;
type EventLog = ReturnType<StateMachine["run"]>["eventLogs"] extends AsyncGenerator<infer E> ? E : never;

/** A definition that asl-validator rejects, or that names a task no local handler runs. */
export class StateMachineDefinitionError extends LakestreamError {
  override readonly name = "StateMachineDefinitionError";
}

/** One stage handler as the runner calls it: the Lambda event in, the Lambda result out. */
export type LocalStageHandler = (input: unknown) => Promise<unknown>;

export interface LocalRunOptions {
  /** The ASL the CDK stack synthesizes (infra/state-machine-definition.ts), not a copy. */
  readonly definition: object;
  /** Stage name (`plan`, `compact`, …) → handler. */
  readonly handlers: Readonly<Record<string, LocalStageHandler>>;
  /** Where S3 service integrations (RecordFailure's putObject) write, instead of AWS. */
  readonly store: ObjectStore;
  readonly executionName: string;
  /** Progress: every state entered, exited, failed, retried, and every Map iteration. */
  readonly onEvent?: (event: LocalRunEvent) => void;
}

export interface LocalRunEvent {
  readonly type: string;
  readonly state?: string;
  readonly index?: number;
  readonly error?: string;
  readonly cause?: string;
  /** A state's output, on StateExited. */
  readonly output?: unknown;
}

export type LocalRunResult =
  | { readonly status: "SUCCEEDED"; readonly output: unknown }
  | {
      readonly status: "FAILED";
      readonly error: string;
      readonly cause: string;
      /** The Task state whose failure ended the run (Plan, Compact, …), when one did. */
      readonly stage?: string;
    };

/**
 * Executes the deployed state machine definition with aws-local-stepfunctions, every task
 * mapped to a local handler (Lambda tasks to `functions/<stage>`'s handler, S3 integrations to
 * the local store). The definition is validated with asl-validator first, and a task without
 * a local handler is an error before anything runs: never a call to AWS.
 */
export async function runStateMachineLocally(
  options: LocalRunOptions,
  input: unknown,
): Promise<LocalRunResult> {
  const checked = validator(structuredClone(options.definition) as never);
  if (!checked.isValid) {
    throw new StateMachineDefinitionError(`invalid state machine definition: ${checked.errorsText("; ")}`);
  }
  const tasks = localTasks(options.definition, options.handlers, options.store);
  const missing = tasks.filter((t): t is Extract<LocalTask, { run: undefined }> => t.run === undefined);
  if (missing.length > 0) {
    throw new StateMachineDefinitionError(
      `no local handler for ${missing.map((t) => `${t.state} (${t.resource})`).join(", ")}`,
    );
  }
  // A failed Map iteration ends the execution while its siblings still run, as Lambda
  // invocations outlive a failed Step Functions Map; the run is over only once they are done,
  // so a rerun (or the process exiting) never overlaps them.
  const inFlight = new Set<Promise<unknown>>();
  const tracked =
    (run: TaskHandler): TaskHandler =>
    (input) => {
      const p = run(input);
      inFlight.add(p);
      p.then(
        () => inFlight.delete(p),
        () => inFlight.delete(p),
      );
      return p;
    };
  const settled = async () => {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  };
  const machine = new StateMachine(options.definition as StateMachineDefinition, {
    // The ARNs are placeholders; asl-validator has checked the definition above.
    validationOptions: { checkArn: false },
  });
  const execution = machine.run(input as JSONValue, {
    overrides: {
      taskResourceLocalHandlers: Object.fromEntries(
        tasks.map((t) => [t.state, tracked(t.run as TaskHandler)]),
      ),
      // Retry as the definition says, without its backoff sleeps: locally, waiting heals nothing.
      retryIntervalOverrides: Object.fromEntries(tasks.map((t) => [t.state, 0])),
    },
    context: {
      Execution: {
        Id: `arn:aws:states:local:000000000000:execution:lakestream:${options.executionName}`,
        Name: options.executionName,
      },
    },
  });
  // The stage that ended the run: the first failure a Catch took, naming the Task that failed
  // (for a Map, the last Task inside it that failed), not the failure-recording task after it.
  const taskStates = new Set(tasks.map((t) => t.state));
  let lastFailedTask: string | undefined;
  let stage: string | undefined;
  const events = forwardEvents(execution.eventLogs, (e) => {
    if (e.type === "StateFailed" && e.state !== undefined && taskStates.has(e.state))
      lastFailedTask = e.state;
    if (e.type === "StateCaught" && stage === undefined) stage = lastFailedTask ?? e.state;
    options.onEvent?.(e);
  });
  try {
    const output = await execution.result;
    await events;
    await settled();
    return { status: "SUCCEEDED", output };
  } catch (e) {
    await events;
    await settled();
    if (!(e instanceof ExecutionError)) throw e;
    const { error, cause } = failureOf(e);
    return { status: "FAILED", error, cause, ...(stage === undefined ? {} : { stage }) };
  }
}

async function forwardEvents(
  logs: AsyncGenerator<EventLog>,
  onEvent: (event: LocalRunEvent) => void,
): Promise<void> {
  for await (const log of logs) {
    const e = log as EventLog & {
      state?: { name: string; output?: unknown };
      index?: number;
      Error?: string;
      Cause?: string;
    };
    onEvent({
      type: e.type,
      ...(e.state ? { state: e.state.name } : {}),
      ...(e.index !== undefined ? { index: e.index } : {}),
      ...(e.Error !== undefined ? { error: e.Error } : {}),
      ...(e.Cause !== undefined ? { cause: String(e.Cause) } : {}),
      ...(e.type === "StateExited" && e.state?.output !== undefined ? { output: e.state.output } : {}),
    });
  }
}

/** The Fail state's error and cause (the caught stage error's message, via `$.error.Cause`). */
function failureOf(e: ExecutionError): { error: string; cause: string } {
  const inner = (e as { cause?: unknown }).cause as
    | { name?: string; message?: string; cause?: string }
    | undefined;
  return { error: inner?.name ?? e.name, cause: String(inner?.cause ?? inner?.message ?? e.message) };
}
