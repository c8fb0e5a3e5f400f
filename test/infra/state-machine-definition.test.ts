import { fileURLToPath } from "node:url";
import validator from "asl-validator";
import { StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type AslDefinition,
  PLACEHOLDER_BUCKET,
  placeholderFunctionArn,
  stageOfFunctionArn,
  synthesizeStateMachineDefinition,
} from "../../infra/state-machine-definition.ts";
import { testPipelines } from "./fixtures/pipelines.ts";
import { FIXTURE_FUNCTIONS } from "./helpers/synth.ts";

/** What the local runner passes to and takes from a handler (aws-local-stepfunctions keeps its type private). */
type JSONValue = string | number | boolean | null | JSONValue[] | { [key: string]: JSONValue };

const PARTIAL_FUNCTIONS = fileURLToPath(new URL("./fixtures/partial-functions", import.meta.url));

let full: AslDefinition;
let partial: AslDefinition;

beforeAll(() => {
  full = synthesizeStateMachineDefinition("orders", {
    pipelines: testPipelines,
    functionsDir: FIXTURE_FUNCTIONS,
  });
  partial = synthesizeStateMachineDefinition("orders", {
    pipelines: testPipelines,
    functionsDir: PARTIAL_FUNCTIONS,
  });
});

const states = (d: AslDefinition) => d.States as Record<string, Record<string, unknown>>;
const inner = (d: AslDefinition) =>
  states(d).ForEachPartition!.ItemProcessor as {
    StartAt: string;
    States: Record<string, Record<string, unknown>>;
  };

describe("synthesized definition", () => {
  it("passes asl-validator", () => {
    for (const definition of [full, partial]) {
      const result = validator(structuredClone(definition));
      expect(result.errorsText()).toBe("");
      expect(result.isValid).toBe(true);
    }
  });

  it("chains Plan → ForEachPartition(Compact → Aggregate) → Publish → Maintain → Succeeded, failures → RecordFailure → Failed", () => {
    expect(full.StartAt).toBe("Plan");
    expect(states(full).Plan!.Next).toBe("ForEachPartition");
    expect(states(full).ForEachPartition).toMatchObject({
      Type: "Map",
      ItemsPath: "$.partitions",
      Next: "Publish",
    });
    expect(inner(full).StartAt).toBe("Compact");
    expect(inner(full).States.Compact!.Next).toBe("Aggregate");
    expect(states(full).Publish!.Next).toBe("Maintain");
    expect(states(full).Maintain!.Next).toBe("Succeeded");
    expect(states(full).RecordFailure!.Next).toBe("Failed");
    expect(Object.keys(states(full)).sort()).toEqual(
      ["Failed", "ForEachPartition", "Plan", "Publish", "Maintain", "RecordFailure", "Succeeded"].sort(),
    );
    for (const name of ["Plan", "ForEachPartition", "Publish", "Maintain"]) {
      expect(states(full)[name]!.Catch).toEqual([
        { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "RecordFailure" },
      ]);
    }
    expect(JSON.stringify(full)).not.toContain("JSONata");
  });

  it("names each Lambda task's resource by a stage placeholder ARN a local runner can map", () => {
    const tasks = { Plan: states(full).Plan!, Publish: states(full).Publish!, ...inner(full).States };
    for (const [name, task] of Object.entries(tasks)) {
      const stage = name.toLowerCase();
      expect(task.Resource).toBe(placeholderFunctionArn(stage));
      expect(stageOfFunctionArn(task.Resource as string)).toBe(stage);
      expect(task.Comment).toBe(`lakestream:handler=functions/${stage}/handler.ts`);
    }
    expect(states(full).RecordFailure).toMatchObject({
      Resource: "arn:aws:states:::aws-sdk:s3:putObject",
      Parameters: { Bucket: PLACEHOLDER_BUCKET },
    });
  });

  it("retries every task with exponential backoff, except a ConfigError", () => {
    const tasks = [
      states(full).Plan!,
      states(full).Publish!,
      states(full).RecordFailure!,
      ...Object.values(inner(full).States),
    ];
    for (const task of tasks) {
      const retry = task.Retry as { ErrorEquals: string[]; MaxAttempts: number; BackoffRate?: number }[];
      expect(retry[0]).toEqual({ ErrorEquals: ["ConfigError"], MaxAttempts: 0 });
      expect(retry.at(-1)).toMatchObject({
        ErrorEquals: ["States.TaskFailed", "States.Timeout"],
        BackoffRate: 3,
      });
    }
  });

  it("chains only the stages whose handler files exist", () => {
    expect(partial.StartAt).toBe("ForEachPartition");
    expect(Object.keys(inner(partial).States)).toEqual(["Compact"]);
    expect(states(partial).Plan).toBeUndefined();
    expect(states(partial).ForEachPartition!.Next).toBe("Publish");
  });
});

describe("the same definition run by aws-local-stepfunctions with local handlers", () => {
  const partitions = ["dt=2026-11-23/hour=07/country=DE", "dt=2026-11-23/hour=07/country=FR"];
  const handlers = (calls: string[], compact: (input: JSONValue) => JSONValue) => ({
    Plan: () => {
      calls.push("plan");
      return { runId: "run-1", partitions };
    },
    Compact: (input: JSONValue) => {
      calls.push("compact");
      return compact(input);
    },
    Aggregate: (input: JSONValue) => {
      calls.push("aggregate");
      return { rows: 1, partition: (input as { partition: string }).partition };
    },
    Publish: () => {
      calls.push("publish");
      return { published: partitions.length };
    },
    Maintain: () => {
      calls.push("maintain");
      return { tables: [] };
    },
    RecordFailure: (input: JSONValue) => {
      calls.push(`recordFailure:${(input as { Key: string }).Key}`);
      return { ETag: "x" };
    },
  });
  const context = {
    Execution: { Id: "arn:aws:states:us-east-1:123456789012:execution:x:run-1", Name: "run-1" },
  };

  it("runs plan, then compact and aggregate per partition, then publish, then maintain", async () => {
    const calls: string[] = [];
    const run = new StateMachine(full as unknown as StateMachineDefinition).run(
      { pipeline: "orders", trigger: "schedule", scheduledTime: "2026-11-23T08:15:00Z" },
      { overrides: { taskResourceLocalHandlers: handlers(calls, (i) => ({ files: 1, input: i })) }, context },
    );
    const output = (await run.result) as {
      runId: string;
      results: { partition: string; pipeline: string }[];
    };
    expect(calls.filter((c) => c === "compact")).toHaveLength(2);
    expect(calls[0]).toBe("plan");
    expect(calls.slice(-2)).toEqual(["publish", "maintain"]);
    expect(output.results.map((r) => r.partition)).toEqual(partitions);
    expect(output.results[0]!.pipeline).toBe("orders");
  });

  it("retries a failing stage, then records the failure and fails the run", async () => {
    const calls: string[] = [];
    const throttled = () => {
      throw Object.assign(new Error("slow down"), { name: "SlowDown" });
    };
    const run = new StateMachine(full as unknown as StateMachineDefinition).run(
      { pipeline: "orders" },
      {
        overrides: {
          taskResourceLocalHandlers: handlers(calls, throttled),
          retryIntervalOverrides: { Compact: 0 },
        },
        context,
      },
    );
    // Failed carries the caught error's cause (CausePath $.error.Cause).
    await expect(run.result).rejects.toThrow(/slow down/);
    // Three retries after each first attempt; the failure is recorded under the run's name.
    expect(calls.filter((c) => c === "compact").length).toBeGreaterThanOrEqual(4);
    expect(calls).toContain("recordFailure:_lakestream/failures/orders/run-1.json");
    expect(calls).not.toContain("publish");
  });
});
